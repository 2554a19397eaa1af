"""drives: destination drives, shuttles and RAIDs as things (label, filesystem UUID, physical drive, capacity,
holder, location, active/retired), their events (added, shipped, received, re-verified, retired) and the
destination card folders found on each

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 12:20:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("fs_uuid", sa.String(length=64), nullable=False),
        sa.Column("fs_label", sa.String(length=255), nullable=False),
        sa.Column("fs_type", sa.String(length=50), nullable=False),
        sa.Column("physical_id", sa.Text(), nullable=False),
        sa.Column("physical_note", sa.Text(), nullable=True),
        sa.Column("capacity_bytes", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.Text(), nullable=False),
        sa.Column("holder", sa.String(length=255), nullable=False),
        sa.Column("location", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("label"),
    )
    with op.batch_alter_table("drives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drives_fs_uuid"), ["fs_uuid"], unique=False)
    op.create_table(
        "drive_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(length=255), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("what", sa.String(length=20), nullable=False),
        sa.Column("courier", sa.String(length=255), nullable=True),
        sa.Column("place", sa.String(length=255), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["drive_id"], ["drives.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("drive_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drive_events_drive_id"), ["drive_id"], unique=False)
    op.create_table(
        "drive_destinations",
        sa.Column("drive_id", sa.Integer(), nullable=False),
        sa.Column("destination_id", sa.Integer(), nullable=False),
        sa.Column("how", sa.String(length=20), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["destination_id"], ["destinations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["drive_id"], ["drives.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("drive_id", "destination_id"),
    )
    with op.batch_alter_table("drive_destinations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drive_destinations_destination_id"), ["destination_id"], unique=False)


def downgrade() -> None:
    op.drop_table("drive_destinations")
    op.drop_table("drive_events")
    op.drop_table("drives")
