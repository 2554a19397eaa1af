"""sync identity: a global UUID and a hybrid-logical-clock stamp on every synced row, the cart's id and name,
the outbox and the both-ways field stamps (issue 17); on PostgreSQL, the central catalog's own tables

On a cart (SQLite) every existing row gets its UUID and a stamp and is queued once, so the first sync pushes
the whole catalog; triggers capture every later change (store.sync_local). On the central catalog
(PostgreSQL) rows also carry the cart that wrote them, uniqueness that only holds within one cart (a
destination path, a cut's name and version) gives way to the UUID, and carts, field values and conflicts get
tables of their own (store.central).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 17:30:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from pixm_desktop.store import sync_local
from pixm_desktop.store.sync_registry import CART_SCOPED_UNIQUE, SYNCED, SYNCED_TABLES

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _central()
        return
    op.create_table(
        "sync_cart",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("central_url", sa.Text(), nullable=True),
        sa.Column("pushed_seq", sa.BigInteger(), nullable=False),
        sa.Column("pulled_seq", sa.BigInteger(), nullable=False),
        sa.Column("hlc_ms", sa.BigInteger(), nullable=False),
        sa.Column("hlc_count", sa.Integer(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_outbox",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("op", sa.String(length=1), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=True),
        sa.Column("hlc", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "sync_fields",
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("hlc", sa.BigInteger(), nullable=False),
        sa.Column("base", sa.BigInteger(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "row_id", "field"),
    )
    op.create_table("sync_apply", sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint("id"))
    for t in SYNCED_TABLES:
        op.add_column(t, sa.Column("sync_uuid", sa.String(length=36), nullable=True))
        op.add_column(t, sa.Column("sync_hlc", sa.BigInteger(), nullable=True))
        op.create_index(f"ix_{t}_sync_uuid", t, ["sync_uuid"], unique=True)
    conn = op.get_bind()
    cart = sync_local.init_cart(conn)
    hlc = sync_local.tick(conn)
    for spec in SYNCED:  # parents first: a row's UUID may be made inside its parent's
        sync_local.assign_uuids(conn, spec, None, cart)
        conn.exec_driver_sql(f"UPDATE {spec.table} SET sync_hlc = {hlc}")
        conn.exec_driver_sql(f"INSERT INTO sync_outbox (tbl, row_id, op, hlc) SELECT '{spec.table}', id, 'u', {hlc} "
                             f"FROM {spec.table} ORDER BY id")
    sync_local.ensure_triggers(conn)


def _central() -> None:
    insp = sa.inspect(op.get_bind())
    for t in SYNCED_TABLES:
        op.add_column(t, sa.Column("sync_uuid", sa.Uuid(), nullable=True))
        op.add_column(t, sa.Column("sync_hlc", sa.BigInteger(), nullable=True))
        op.add_column(t, sa.Column("sync_cart", sa.Uuid(), nullable=True))
        op.create_index(f"ix_{t}_sync_uuid", t, ["sync_uuid"], unique=True)
    for t, cols in CART_SCOPED_UNIQUE.items():
        for uc in insp.get_unique_constraints(t):
            if tuple(uc["column_names"]) == cols:
                op.drop_constraint(uc["name"], t, type_="unique")
    # the sync resolves every parent by UUID and refuses a batch naming one it lacks (store.central): the
    # per-row foreign-key checks cost half the push, and a cart's delete must never be stuck on another's rows
    for t in SYNCED_TABLES:
        for fk in insp.get_foreign_keys(t):
            if fk["name"]:
                op.drop_constraint(fk["name"], t, type_="foreignkey")
    # the read services use SQLite's iif(); the central catalog answers the same queries
    op.execute("CREATE FUNCTION iif(boolean, anyelement, anyelement) RETURNS anyelement "
               "AS 'SELECT CASE WHEN $1 THEN $2 ELSE $3 END' LANGUAGE SQL IMMUTABLE")
    op.create_table(
        "central_carts",
        sa.Column("uuid", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("pushed_seq", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("rows_pushed", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("last_push_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.execute("CREATE SEQUENCE central_field_seq")
    op.create_table(
        "central_fields",
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("row_uuid", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("value", postgresql.JSONB(), nullable=True),
        sa.Column("hlc", sa.BigInteger(), nullable=False),
        sa.Column("cart", sa.Uuid(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tbl", "row_uuid", "field"),
    )
    op.create_index("ix_central_fields_seq", "central_fields", ["seq"])
    op.create_table(
        "central_conflicts",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("tbl", sa.String(length=40), nullable=False),
        sa.Column("row_uuid", sa.Uuid(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("kept_value", postgresql.JSONB(), nullable=True),
        sa.Column("kept_hlc", sa.BigInteger(), nullable=False),
        sa.Column("kept_cart", sa.Uuid(), nullable=False),
        sa.Column("lost_value", postgresql.JSONB(), nullable=True),
        sa.Column("lost_hlc", sa.BigInteger(), nullable=False),
        sa.Column("lost_cart", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_table("central_conflicts")
        op.drop_table("central_fields")
        op.execute("DROP SEQUENCE central_field_seq")
        op.drop_table("central_carts")
        op.execute("DROP FUNCTION iif(boolean, anyelement, anyelement)")
        for t in SYNCED_TABLES:
            op.drop_index(f"ix_{t}_sync_uuid", table_name=t)
            for c in ("sync_cart", "sync_hlc", "sync_uuid"):
                op.drop_column(t, c)
        for t, cols in CART_SCOPED_UNIQUE.items():
            op.create_unique_constraint(None, t, list(cols))
        for spec in SYNCED:
            for fk, parent in spec.parents.items():
                op.create_foreign_key(None, spec.table, parent, [fk], ["id"])
        return
    sync_local.drop_triggers(op.get_bind())
    for t in SYNCED_TABLES:
        op.drop_index(f"ix_{t}_sync_uuid", table_name=t)
        with op.batch_alter_table(t) as batch:
            batch.drop_column("sync_hlc")
            batch.drop_column("sync_uuid")
    for t in ("sync_apply", "sync_fields", "sync_outbox", "sync_cart"):
        op.drop_table(t)
