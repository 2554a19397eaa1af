"""clip browser at show scale: an index for every sort order of the Clips page and a clip count per card

A page sorted by a ``clips`` column is read in index order and stops after the page (no sort of every
match): ``ORDER BY x NULLS LAST, id`` needs an index on ``x`` alone (an index holds the rowid as its last
key, so ties come in id order), ``ORDER BY x DESC, id`` one on ``x DESC`` (the rowid stays ascending). The
columns that had no such index get one; the few-valued ones get a descending one too (a many-valued column
sorts its few ties per value in passing, see ``store.clips_repo``).

``clip_card_counts`` (SQLite only, like ``clip_totals``) holds the number of clips of each card, kept by
three triggers on ``clips`` (never on ``files``: an offload's file inserts pay nothing). The browser's
default order (day, card, start) and its card and day orders walk cards; with these counts a page deep in an
unfiltered list, and the count of a day or a card, read one row per card instead of every clip before it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 21:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

#: (name, column, descending) of the indexes added on ``clips`` (the models declare the same).
INDEXES = (
    ("ix_clips_scene", "scene", False),
    ("ix_clips_camera", "camera", False),
    ("ix_clips_circled", "circled", False),
    ("ix_clips_start_frame", "start_frame", False),
    ("ix_clips_frames", "frames", False),
    ("ix_clips_codec", "codec", False),
    ("ix_clips_take_desc", "take", True),
    ("ix_clips_camera_desc", "camera", True),
    ("ix_clips_circled_desc", "circled", True),
    ("ix_clips_rating_desc", "rating", True),
    ("ix_clips_flagged_desc", "flagged", True),
    ("ix_clips_codec_desc", "codec", True),
    ("ix_clips_probe_status_desc", "probe_status", True),
)
TRIGGERS = ("clip_card_counts_ai", "clip_card_counts_ad", "clip_card_counts_au")


def create_triggers() -> None:
    """The triggers keeping ``clip_card_counts`` (a migration that recreates ``clips`` must call it again)."""
    add = ("INSERT INTO clip_card_counts (card_id, clips) VALUES (new.card_id, 1) "
           "ON CONFLICT (card_id) DO UPDATE SET clips = clips + 1;")
    drop = "UPDATE clip_card_counts SET clips = clips - 1 WHERE card_id = old.card_id;"
    op.execute(f"CREATE TRIGGER clip_card_counts_ai AFTER INSERT ON clips BEGIN {add} END")
    op.execute(f"CREATE TRIGGER clip_card_counts_ad AFTER DELETE ON clips BEGIN {drop} END")
    op.execute(f"CREATE TRIGGER clip_card_counts_au AFTER UPDATE OF card_id ON clips "
               f"WHEN new.card_id IS NOT old.card_id BEGIN {drop} {add} END")


def upgrade() -> None:
    for name, column, desc in INDEXES:
        op.create_index(name, "clips", [sa.text(f"{column} DESC") if desc else column])
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE clip_card_counts (card_id INTEGER PRIMARY KEY, clips INTEGER NOT NULL)")
    op.execute("INSERT INTO clip_card_counts (card_id, clips) SELECT card_id, count(*) FROM clips GROUP BY card_id")
    create_triggers()


def downgrade() -> None:
    for name, _column, _desc in INDEXES:
        op.drop_index(name, "clips")
    if op.get_bind().dialect.name != "sqlite":
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS clip_card_counts")
