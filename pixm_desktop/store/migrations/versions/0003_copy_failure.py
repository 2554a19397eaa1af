"""copies.failure: why a copy failed (mismatch, missing, foreign, write), so an offload knows which failed
copies are PIXM's own and may be replaced without matching words in the reason text

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 23:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("copies") as batch:
        batch.add_column(sa.Column("failure", sa.String(length=16), nullable=True))
    # Rows written before this column: the reason texts PIXM wrote say which failures were its own bad copies
    # (copier: "checksum mismatch…"/"re-read failed…"; pixm verify: "re-verify: <status>…").
    op.execute("UPDATE copies SET failure = 'missing' WHERE state = 'failed' AND reason LIKE 're-verify: missing%'")
    op.execute("UPDATE copies SET failure = 'mismatch' WHERE state = 'failed' AND failure IS NULL AND "
               "(reason LIKE 're-verify:%' OR reason LIKE 'checksum mismatch%' OR reason LIKE 're-read failed%')")
    op.execute("UPDATE copies SET failure = 'foreign' WHERE state = 'failed' AND failure IS NULL AND "
               "(reason LIKE 'a different file already exists%' OR reason LIKE 'existing file unreadable%' "
               "OR reason LIKE 'a file appeared at the destination%')")
    op.execute("UPDATE copies SET failure = 'write' WHERE state = 'failed' AND failure IS NULL")


def downgrade() -> None:
    with op.batch_alter_table("copies") as batch:
        batch.drop_column("failure")
