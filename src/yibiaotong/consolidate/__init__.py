"""Consolidation (梳理): read real report templates, match their fields to data elements (or new
shared ones), propose ledgers, and keep a person's review decisions."""

from yibiaotong.consolidate.knowledge import Knowledge
from yibiaotong.consolidate.plan import Plan, consolidate
from yibiaotong.consolidate.review import Decisions

__all__ = ["Decisions", "Knowledge", "Plan", "consolidate", "run"]


def run(paths, pack: str = "standard", decisions_path=None) -> Plan:
    """Consolidate templates against a pack's dictionary and matching knowledge."""
    from yibiaotong.elements.dictionary import Dictionary
    from yibiaotong.packs import resolve_packs

    packs = resolve_packs(pack)
    if decisions_path is None and (packs[-1].path / "decisions.yaml").exists():
        decisions_path = packs[-1].path / "decisions.yaml"
    # elements a previous run proposed are its output, not its input: they stay "new" every run
    dictionary = Dictionary.from_packs(packs, exclude=GENERATED_FILES)
    return consolidate(paths, dictionary, Knowledge.from_packs(packs), Decisions.load(decisions_path))


GENERATED_FILES = frozenset({"consolidated.yaml"})
