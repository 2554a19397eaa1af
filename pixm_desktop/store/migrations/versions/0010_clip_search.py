"""clip_search: the clip browser's free text through SQLite FTS5 (trigram), kept in step by triggers; indexes
for the browser's filters

The text search covers clip name, tape name, scene and notes as a case-insensitive substring (what ``ILIKE
'%…%'`` did by scanning every clip). ``clip_search`` is an external-content FTS5 table over those four
columns of ``clips`` (rowid = ``clips.id``) with the ``trigram`` tokenizer, so any substring of three
characters or more is answered from the index (sqlite.org/fts5.html §4.3.5, §4.4.3). Three triggers keep it in step with every
insert, update of those columns, and delete (a card's cascade included). Upgrading fills it from the clips
already catalogued ('rebuild').

``clip_totals`` holds the number of clips (one row, kept by two more triggers), so the browser's unfiltered
count reads one row instead of counting a million index entries.

A later migration that recreates ``clips`` (``batch_alter_table`` on SQLite copies the table) drops these
triggers with the old table: it must call :func:`create_triggers` again and 'rebuild' the index.

Not on other databases: the repository falls back to ``LIKE`` there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:10:00.000000
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = ("name", "tape_name", "scene", "notes")
#: (name, columns) of the clips indexes the browser's filters and counts use (see store.clips_repo).
INDEXES = (
    ("ix_clips_camera_circled", ("camera", "circled")),
    ("ix_clips_rating", ("rating",)),
    ("ix_clips_flagged", ("flagged",)),
    ("ix_clips_take", ("take",)),
    ("ix_clips_kind", ("kind",)),
)
TRIGGERS = ("clip_search_ai", "clip_search_ad", "clip_search_au", "clip_totals_ai", "clip_totals_ad")


def create_triggers() -> None:
    cols = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    op.execute(f"CREATE TRIGGER clip_search_ai AFTER INSERT ON clips BEGIN "
               f"INSERT INTO clip_search (rowid, {cols}) VALUES (new.id, {new}); END")
    op.execute(f"CREATE TRIGGER clip_search_ad AFTER DELETE ON clips BEGIN "
               f"INSERT INTO clip_search (clip_search, rowid, {cols}) VALUES ('delete', old.id, {old}); END")
    op.execute(f"CREATE TRIGGER clip_search_au AFTER UPDATE OF id, {cols} ON clips BEGIN "
               f"INSERT INTO clip_search (clip_search, rowid, {cols}) VALUES ('delete', old.id, {old}); "
               f"INSERT INTO clip_search (rowid, {cols}) VALUES (new.id, {new}); END")
    for name, event, step in (("clip_totals_ai", "INSERT", "+ 1"), ("clip_totals_ad", "DELETE", "- 1")):
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON clips BEGIN "
                   f"UPDATE clip_totals SET clips = clips {step}; END")


def upgrade() -> None:
    for name, cols in INDEXES:
        op.create_index(name, "clips", list(cols))
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE VIRTUAL TABLE clip_search USING fts5({', '.join(COLUMNS)}, content='clips', "
               "content_rowid='id', tokenize='trigram')")
    op.execute("CREATE TABLE clip_totals (clips INTEGER NOT NULL)")
    op.execute("INSERT INTO clip_totals (clips) SELECT count(*) FROM clips")
    create_triggers()
    op.execute("INSERT INTO clip_search (clip_search) VALUES ('rebuild')")


def downgrade() -> None:
    for name, _cols in INDEXES:
        op.drop_index(name, "clips")
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS clip_search")
    op.execute("DROP TABLE IF EXISTS clip_totals")
