"""Ledgers (台账): keyed tables of records about one kind of subject, with full history."""

from yibiaotong.ledgers.definition import ColumnDef, LedgerDef
from yibiaotong.ledgers.provenance import Source
from yibiaotong.ledgers.store import LedgerStore, UpsertResult

__all__ = ["ColumnDef", "LedgerDef", "LedgerStore", "Source", "UpsertResult"]
