"""The catalog: SQLAlchemy 2.0 models, sessions, repositories, Alembic migrations. No Qt."""
