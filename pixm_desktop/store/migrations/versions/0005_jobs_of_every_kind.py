"""jobs of every kind: jobs.card_id nullable (a daily report, a folder the catalog does not know belong to no
single card) and jobs.log (the job's own log lines)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("card_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("log", sa.Text(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM job_destinations WHERE job_id IN (SELECT id FROM jobs WHERE card_id IS NULL)")
    op.execute("DELETE FROM jobs WHERE card_id IS NULL")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("log")
        batch.alter_column("card_id", existing_type=sa.Integer(), nullable=False)
