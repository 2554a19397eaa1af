"""clips: clips grouped from a card's files, their files with roles, cached thumbnails, logger fields

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:12:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("tape_name", sa.String(length=32), nullable=True),
        sa.Column("reel", sa.String(length=64), nullable=True),
        sa.Column("probe_status", sa.String(length=20), nullable=False),
        sa.Column("probe_error", sa.Text(), nullable=True),
        sa.Column("probe_source", sa.Text(), nullable=True),
        sa.Column("probed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("files_signature", sa.String(length=32), nullable=True),
        sa.Column("codec", sa.String(length=64), nullable=True),
        sa.Column("codec_profile", sa.String(length=64), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("fps_num", sa.Integer(), nullable=True),
        sa.Column("fps_den", sa.Integer(), nullable=True),
        sa.Column("frames", sa.BigInteger(), nullable=True),
        sa.Column("start_tc", sa.String(length=16), nullable=True),
        sa.Column("start_frame", sa.Integer(), nullable=True),
        sa.Column("drop_frame", sa.Boolean(), nullable=False),
        sa.Column("audio_channels", sa.Integer(), nullable=True),
        sa.Column("sample_rate", sa.Integer(), nullable=True),
        sa.Column("camera_make", sa.String(length=128), nullable=True),
        sa.Column("camera_model", sa.String(length=128), nullable=True),
        sa.Column("camera_serial", sa.String(length=128), nullable=True),
        sa.Column("lens", sa.String(length=128), nullable=True),
        sa.Column("recorded_at", sa.String(length=40), nullable=True),
        sa.Column("metadata_json", sa.Text(), nullable=False),
        sa.Column("thumbnail_status", sa.String(length=20), nullable=False),
        sa.Column("thumbnail_error", sa.Text(), nullable=True),
        sa.Column("scene", sa.String(length=32), nullable=True),
        sa.Column("take", sa.String(length=16), nullable=True),
        sa.Column("camera", sa.String(length=8), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("circled", sa.Boolean(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("logged_from", sa.String(length=255), nullable=True),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("card_id", "key"),
    )
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.create_index("ix_clips_card_start", ["card_id", "start_frame"], unique=False)
        batch_op.create_index("ix_clips_scene_take", ["scene", "take"], unique=False)
        batch_op.create_index(batch_op.f("ix_clips_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_clips_probe_status"), ["probe_status"], unique=False)
        batch_op.create_index(batch_op.f("ix_clips_reel"), ["reel"], unique=False)
        batch_op.create_index(batch_op.f("ix_clips_tape_name"), ["tape_name"], unique=False)

    op.create_table(
        "clip_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["file_id"], ["files.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file_id"),
    )
    with op.batch_alter_table("clip_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clip_files_clip_id"), ["clip_id"], unique=False)

    op.create_table(
        "clip_thumbnails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clip_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("frame", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["clip_id"], ["clips.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("clip_id", "position"),
    )


def downgrade() -> None:
    op.drop_table("clip_thumbnails")
    with op.batch_alter_table("clip_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clip_files_clip_id"))
    op.drop_table("clip_files")
    with op.batch_alter_table("clips", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clips_tape_name"))
        batch_op.drop_index(batch_op.f("ix_clips_reel"))
        batch_op.drop_index(batch_op.f("ix_clips_probe_status"))
        batch_op.drop_index(batch_op.f("ix_clips_name"))
        batch_op.drop_index("ix_clips_scene_take")
        batch_op.drop_index("ix_clips_card_start")
    op.drop_table("clips")
