"""Alembic environment: the metadata from the models, the URL from the settings."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from app.db import models  # noqa: F401  (registers the tables)
from app.db.engine import make_engine
from app.search.schema import include_name

config = context.config
target_metadata = SQLModel.metadata


def database_url() -> str:
    url = config.attributes.get("database_url")
    if url:
        return url
    from app.settings import load_settings

    return load_settings().database


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        include_name=include_name,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_url())
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch migrations rebuild a table by copying it and dropping the old one, which
            # foreign keys from other tables forbid. SQLite ignores this pragma inside a
            # transaction, so it goes straight to the driver, before the migration's begins.
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_name=include_name,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
