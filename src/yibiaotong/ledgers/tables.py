"""Each ledger is a real, typed table ``ledger_<id>`` (so SQL, exports and database tools work on it)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeEngine

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.model import Element
from yibiaotong.ledgers.definition import LedgerDef

SQL_TYPES: dict[str, TypeEngine] = {
    "text": Text(), "code": String(64), "id_number": String(18), "phone": String(32), "mobile": String(32),
    "postcode": String(6), "integer": BigInteger(), "year": Integer(), "decimal": Numeric(20, 4),
    "amount": Numeric(20, 2), "date": Date(), "month": String(7), "datetime": DateTime(), "boolean": Boolean(),
}
SYSTEM_COLUMNS = ("_id", "_key", "_org_unit", "_version", "_created_at", "_updated_at", "_source_id")


def sql_type(element: Element) -> TypeEngine:
    return SQL_TYPES.get(element.type, Text())


def data_column(name: str, element: Element) -> Column:
    return Column(name, sql_type(element), nullable=True, comment=element.name)


def ledger_table(definition: LedgerDef, dictionary: Dictionary, metadata: MetaData | None = None) -> Table:
    metadata = metadata if metadata is not None else MetaData()
    # the org-unit table must be known to this MetaData for the foreign key to resolve
    if "ybt_org_unit" not in metadata.tables:
        from yibiaotong.store.schema import org_unit

        org_unit.to_metadata(metadata)
    name = definition.table_name
    return Table(
        name, metadata,
        Column("_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
        # the natural key, normalized and joined with "|": what upsert matches on
        Column("_key", String(300), nullable=False, unique=True),
        Column("_org_unit", String(32), ForeignKey("ybt_org_unit.code"), nullable=False, index=True),
        Column("_version", Integer, nullable=False, default=1),
        Column("_created_at", DateTime(timezone=True), nullable=False),
        Column("_updated_at", DateTime(timezone=True), nullable=False),
        Column("_source_id", BigInteger, nullable=True),
        *(data_column(c.column, dictionary.element(c.element)) for c in definition.columns),
        comment=definition.name,
    )
