"""clip counts per card and filter value: a filtered page deep in the card orders without reading clips

``clip_card_values`` (SQLite only, like ``clip_card_counts``; no model, never synced) holds, for each card
and each value of the few-valued columns the Clips page filters on (camera letter, take, circled, flagged,
rating, kind, probe status), how many of the card's clips have it. The browser's default order walks cards;
a filter on one of these columns finds the card a page deep in the list from these rows (a few per card)
instead of counting every matching clip before it. NULL values are not counted (no filter asks for them).

``clip_card_counts`` (0017) gains each card's lowest and highest clip id (``lo``, ``hi``: a range holding
every clip of the card; it grows with inserts and moves and is not narrowed by deletes): when the cards'
ranges follow the browser's default order without overlapping, a page deep in a free-text list finds its
card from the text's matches in id order alone.

Kept by triggers on ``clips`` only (never on ``files``): one upsert statement per inserted clip, one update
per column on a delete, and on an update only the columns that changed (a logger edit of ``circled`` touches
two rows).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 00:00:00.000000
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

#: The ``clips`` columns counted (the filter reads them under these names).
FIELDS = ("camera", "take", "circled", "flagged", "rating", "kind", "probe_status")
TRIGGERS = ("clip_card_values_ai", "clip_card_values_ad", *(f"clip_card_values_au_{f}" for f in FIELDS))


def _add(row: str, fields: tuple[str, ...]) -> str:
    """One upsert adding 1 for each of ``fields`` of ``row`` (``new``) that is not NULL."""
    values = " UNION ALL ".join(f"SELECT '{f}' AS f, {row}.{f} AS v" for f in fields)
    return (f"INSERT INTO clip_card_values (field, value, card_id, clips) "
            f"SELECT f, v, {row}.card_id, 1 FROM ({values}) WHERE v IS NOT NULL "
            f"ON CONFLICT (field, value, card_id) DO UPDATE SET clips = clips + 1;")


def _drop(row: str, fields: tuple[str, ...]) -> str:
    return " ".join(f"UPDATE clip_card_values SET clips = clips - 1 WHERE field = '{f}' AND value = {row}.{f} "
                    f"AND card_id = {row}.card_id;" for f in fields)


def create_triggers() -> None:
    """The triggers keeping ``clip_card_values`` (a migration that recreates ``clips`` must call it again)."""
    op.execute(f"CREATE TRIGGER clip_card_values_ai AFTER INSERT ON clips BEGIN {_add('new', FIELDS)} END")
    op.execute(f"CREATE TRIGGER clip_card_values_ad AFTER DELETE ON clips BEGIN {_drop('old', FIELDS)} END")
    for f in FIELDS:
        op.execute(f"CREATE TRIGGER clip_card_values_au_{f} AFTER UPDATE OF {f}, card_id ON clips "
                   f"WHEN new.{f} IS NOT old.{f} OR new.card_id IS NOT old.card_id "
                   f"BEGIN {_drop('old', (f,))} {_add('new', (f,))} END")


def _card_count_triggers(ranges: bool) -> None:
    """0017's triggers on ``clip_card_counts``, keeping the cards' clip-id ranges too when ``ranges``."""
    for trigger in ("clip_card_counts_ai", "clip_card_counts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    if ranges:
        add = ("INSERT INTO clip_card_counts (card_id, clips, lo, hi) VALUES (new.card_id, 1, new.id, new.id) "
               "ON CONFLICT (card_id) DO UPDATE SET clips = clips + 1, lo = min(coalesce(lo, new.id), new.id), "
               "hi = max(coalesce(hi, new.id), new.id);")
    else:
        add = ("INSERT INTO clip_card_counts (card_id, clips) VALUES (new.card_id, 1) "
               "ON CONFLICT (card_id) DO UPDATE SET clips = clips + 1;")
    drop = "UPDATE clip_card_counts SET clips = clips - 1 WHERE card_id = old.card_id;"
    op.execute(f"CREATE TRIGGER clip_card_counts_ai AFTER INSERT ON clips BEGIN {add} END")
    op.execute(f"CREATE TRIGGER clip_card_counts_au AFTER UPDATE OF card_id ON clips "
               f"WHEN new.card_id IS NOT old.card_id BEGIN {drop} {add} END")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("ALTER TABLE clip_card_counts ADD COLUMN lo INTEGER")
    op.execute("ALTER TABLE clip_card_counts ADD COLUMN hi INTEGER")
    op.execute("UPDATE clip_card_counts SET (lo, hi) = (SELECT min(id), max(id) FROM clips "
               "WHERE clips.card_id = clip_card_counts.card_id)")
    _card_count_triggers(ranges=True)
    op.execute("CREATE TABLE clip_card_values (field TEXT NOT NULL, value NOT NULL, card_id INTEGER NOT NULL, "
               "clips INTEGER NOT NULL, PRIMARY KEY (field, value, card_id)) WITHOUT ROWID")
    for f in FIELDS:
        op.execute(f"INSERT INTO clip_card_values (field, value, card_id, clips) SELECT '{f}', {f}, card_id, "
                   f"count(*) FROM clips WHERE {f} IS NOT NULL GROUP BY {f}, card_id")
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS clip_card_values")
    _card_count_triggers(ranges=False)
    op.execute("ALTER TABLE clip_card_counts DROP COLUMN lo")
    op.execute("ALTER TABLE clip_card_counts DROP COLUMN hi")
