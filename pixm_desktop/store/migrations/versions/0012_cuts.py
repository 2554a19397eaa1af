"""cuts: editorial cuts by name and version, their events resolved to camera clips, VFX pulls and DI deliveries

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 15:00:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cuts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("fps_num", sa.Integer(), nullable=False),
        sa.Column("fps_den", sa.Integer(), nullable=False),
        sa.Column("drop_frame", sa.Boolean(), nullable=False),
        sa.Column("imported_by", sa.String(length=255), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_by", sa.String(length=255), nullable=True),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warnings", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", "version"),
    )
    op.create_table(
        "cut_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cut_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("track", sa.Integer(), nullable=False),
        sa.Column("reel", sa.String(length=128), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("clip_name", sa.Text(), nullable=True),
        sa.Column("src_in", sa.Integer(), nullable=False),
        sa.Column("src_out", sa.Integer(), nullable=False),
        sa.Column("rec_in", sa.Integer(), nullable=False),
        sa.Column("rec_out", sa.Integer(), nullable=False),
        sa.Column("speed", sa.String(length=32), nullable=True),
        sa.Column("transition", sa.String(length=4), nullable=False),
        sa.Column("dissolve", sa.Integer(), nullable=False),
        sa.Column("extended", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("cdl", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("match_by", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("candidates", sa.Text(), nullable=False),
        sa.Column("shot", sa.String(length=64), nullable=True),
        sa.Column("markers", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["cut_id"], ["cuts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cut_events_cut_id", "cut_events", ["cut_id"])
    op.create_index("ix_cut_events_clip_id", "cut_events", ["clip_id"])
    op.create_table(
        "pulls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("cut_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("shot", sa.String(length=64), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=True),
        sa.Column("cut_in", sa.Integer(), nullable=False),
        sa.Column("cut_out", sa.Integer(), nullable=False),
        sa.Column("pull_in", sa.Integer(), nullable=False),
        sa.Column("pull_out", sa.Integer(), nullable=False),
        sa.Column("handles", sa.Integer(), nullable=False),
        sa.Column("first_frame", sa.Integer(), nullable=False),
        sa.Column("package", sa.Text(), nullable=False),
        sa.Column("trimmed", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["cut_id"], ["cuts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["event_id"], ["cut_events.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pulls_cut_id", "pulls", ["cut_id"])
    op.create_index("ix_pulls_clip_id", "pulls", ["clip_id"])


def downgrade() -> None:
    op.drop_index("ix_pulls_clip_id", table_name="pulls")
    op.drop_index("ix_pulls_cut_id", table_name="pulls")
    op.drop_table("pulls")
    op.drop_index("ix_cut_events_clip_id", table_name="cut_events")
    op.drop_index("ix_cut_events_cut_id", table_name="cut_events")
    op.drop_table("cut_events")
    op.drop_table("cuts")
