"""Matching knowledge from packs (matching.yaml): owner words, equivalent spellings, notes.

Kept as data so that a deployment can teach the matcher its own wording without code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yibiaotong.packs import Pack, read_yaml


@dataclass
class Knowledge:
    owners: dict[str, list[str]] = field(default_factory=dict)  # owner tag -> words
    roles: dict[str, str] = field(default_factory=dict)  # element role -> owner tag
    attribute_labels: list[str] = field(default_factory=list)
    name_concepts: list[str] = field(default_factory=list)
    household_titles: list[str] = field(default_factory=list)
    household_fields: list[str] = field(default_factory=list)
    equivalents: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    workflow_labels: list[str] = field(default_factory=list)
    subjects: dict[str, str] = field(default_factory=dict)  # subject -> Chinese name
    groups: dict[str, str] = field(default_factory=dict)  # group tag -> Chinese ledger name
    generic_groups: list[str] = field(default_factory=list)
    ledger_keys: dict[str, list[str]] = field(default_factory=dict)  # "subject/group" or "subject"
    ledger_labels: dict[str, list[str]] = field(default_factory=dict)
    unserved_groups: list[str] = field(default_factory=list)
    title_domains: list[dict] = field(default_factory=list)
    core: dict = field(default_factory=lambda: {"prefixes": [], "suffixes": [], "synonyms": {}})

    @classmethod
    def from_packs(cls, packs: list[Pack]) -> Knowledge:
        k = cls()
        for pack in packs:
            path = pack.path / "matching.yaml"
            if not path.exists():
                continue
            data = read_yaml(path)
            for tag, words in (data.get("owners") or {}).items():
                k.owners.setdefault(tag, []).extend(str(w) for w in words)
            k.roles.update({str(a): str(b) for a, b in (data.get("roles") or {}).items()})
            k.equivalents.update({str(a): str(b) for a, b in (data.get("equivalents") or {}).items()})
            core = data.get("core") or {}
            k.core["prefixes"] += core.get("prefixes") or []
            k.core["suffixes"] += core.get("suffixes") or []
            k.core["synonyms"].update(core.get("synonyms") or {})
            k.title_domains += list(data.get("title_domains") or [])
            for name in ("subjects", "groups", "ledger_keys", "ledger_labels"):
                getattr(k, name).update(data.get(name) or {})
            for name in ("attribute_labels", "name_concepts", "household_titles", "household_fields", "notes",
                         "workflow_labels", "generic_groups", "unserved_groups"):
                getattr(k, name).extend(str(w) for w in data.get(name) or [])
        return k

    def owner_words(self) -> list[tuple[str, str]]:
        """(word, owner tag), longest word first so 紧急联系人 wins over 联系人."""
        pairs = [(w, tag) for tag, words in self.owners.items() for w in words]
        return sorted(pairs, key=lambda p: -len(p[0]))

    def title_domain(self, title: str | None) -> str | None:
        """The group a form's title names (医保 → medical_insurance), for forms of new fields only."""
        for entry in self.title_domains:
            if title and any(w in title for w in entry.get("words", [])):
                return str(entry["group"])
        return None

    def for_subject(self, table: dict[str, list[str]], subject: str, group: str) -> list[str]:
        """The entry of a "subject/group"-or-"subject" table (ledger_keys, ledger_labels)."""
        return list(table.get(f"{subject}/{group}") or table.get(subject) or [])
