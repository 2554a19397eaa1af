"""portal central: the clips' thumbnails carried to the central catalog, so the review portal served from it
shows every cart's grid (issue 18 item 5)

On PostgreSQL (the central catalog) a table of small JPEGs by clip UUID and position, pushed by ``pixm sync``
(store.central_review). On a cart (SQLite) nothing changes: its thumbnails are files beside its catalog.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 21:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "central_thumbnails",
        sa.Column("clip_uuid", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("jpeg", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("cart", sa.Uuid(), nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("clip_uuid", "position"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_table("central_thumbnails")
