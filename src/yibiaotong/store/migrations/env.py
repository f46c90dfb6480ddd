"""Alembic environment: migrates the ybt_* platform tables only, never the ledger tables."""

from alembic import context
from sqlalchemy import create_engine

from yibiaotong.store.schema import metadata

config = context.config


def include_object(obj, name, type_, reflected, compare_to):
    # ledger_<id> tables are created by packs at run time; autogenerate must not drop them
    if type_ == "table":
        return name.startswith("ybt_")
    return True


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _migrate(connection)
    else:
        _migrate(connection)


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run()
