"""two-character free text from the trigram index: the clips it cannot answer, in a partial index

The clip browser answers free text of three characters or more from the FTS5 trigram index ``clip_search``
(0010). Two characters were answered by ``LIKE`` on every clip (0.4 s for a million). Every place two ASCII
characters stand in a column of three characters or more is inside one of the index's trigrams, beside one more
character, so the index answers them too (``store.clips_repo``), except on two kinds of clips, which
``ix_clips_pair_text`` lists (a partial index: only those clips have an entry):

- a column with a character beyond ASCII: the index folds its case by Unicode, ``LIKE`` by ASCII alone, and
  the neighbour may be any character;
- notes of exactly two characters: no trigram at all (name, tape name and scene have their own index, where
  the two characters are looked up as they are).

The repository's condition must be this migration's text, character for character (SQLite uses a partial
index only for a query holding its ``WHERE`` term): ``clips_repo.PAIR_UNCOVERED``, checked against this one
by tests/test_clip_search.py.

The answers do not depend on the index: without it (a later migration recreating ``clips`` drops it with the
table) they are the same, the uncovered clips then found by a scan.

SQLite only (the central catalog answers text with ``ILIKE``).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 09:30:00.000000
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

INDEX = "ix_clips_pair_text"
UNCOVERED = ("length(notes) = 2 OR " + " OR ".join(
    f"length({c}) <> length(CAST({c} AS BLOB))" for c in ("name", "tape_name", "scene", "notes")))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"CREATE INDEX {INDEX} ON clips (id) WHERE {UNCOVERED}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")
