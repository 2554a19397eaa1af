"""files.problem: why a card entry could not be taken (cannot stat, unreadable, special file, link) — such
entries block SAFE TO FORMAT; destinations.drive_id / drive_note: the physical drive a destination is on (two
partitions of one disk are one drive for the verdict), or why the OS could not tell

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 09:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.add_column(sa.Column("problem", sa.Text(), nullable=True))
    with op.batch_alter_table("destinations") as batch:
        batch.add_column(sa.Column("drive_id", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("drive_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("destinations") as batch:
        batch.drop_column("drive_note")
        batch.drop_column("drive_id")
    with op.batch_alter_table("files") as batch:
        batch.drop_column("problem")
