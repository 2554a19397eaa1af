"""Alembic environment: migrations run on the connection the catalog hands over (see store.db.migrate)."""

from alembic import context
from sqlalchemy import create_engine

from pixm_desktop.store.db import described_by_models
from pixm_desktop.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    conn = config.attributes.get("connection")
    if conn is None:  # `alembic` command line: url from -x url=… or the ini
        url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
        with create_engine(url).begin() as conn:
            _configure_and_run(conn)
    else:
        _configure_and_run(conn)


def _configure_and_run(conn) -> None:
    context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                      include_name=described_by_models)
    with context.begin_transaction():
        context.run_migrations()


run()
