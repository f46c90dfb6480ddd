"""Which tables Alembic manages: the ybt_* platform tables, never the ledger tables."""


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    # ledger_<id> tables are created by packs at run time; autogenerate must not drop them
    if type_ == "table":
        return name.startswith("ybt_")
    return True
