"""jobs.show_profile: the show profile every job ran under ("Big Film rev 3 (schema v1)"; empty: none installed)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 13:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("show_profile", sa.String(255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("show_profile")
