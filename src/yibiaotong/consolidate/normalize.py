"""Label normalization for matching. Display keeps the label as printed; only matching uses this."""

from __future__ import annotations

import re
import unicodedata

from yibiaotong.consolidate.knowledge import Knowledge
from yibiaotong.elements.numbers import extract_unit

# 一、 (一) （一） 1、 1. (1) （1） ① 其中: — numbering and "of which" carry hierarchy, not meaning
_NUMBERING = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+(?:\.\d+)*[、.．)）]|\d+\s(?=\D)|[①-⑳])\s*")
_OF_WHICH = re.compile(r"^(?:其中|含|包括)[:：]?")
_STARS = re.compile(r"[*＊※★☆]+")
_PAREN = re.compile(r"[(（]([^()（）]*)[)）]")
_TRAILING = re.compile(r"[:：;；,，.。、]+$")


class Normalizer:
    def __init__(self, knowledge: Knowledge):
        self.k = knowledge
        self._equiv = sorted(knowledge.equivalents.items(), key=lambda kv: -len(kv[0]))
        self._notes = {self.fold(n) for n in knowledge.notes}
        core = knowledge.core
        self._prefixes = sorted((self.fold(p) for p in core["prefixes"]), key=len, reverse=True)
        self._suffixes = sorted((self.fold(p) for p in core["suffixes"]), key=len, reverse=True)
        # one pass, longest word first, so a replacement is never rewritten again and a longer word
        # protects the shorter one inside it (出生日期 is not touched by 生日 → 出生日期)
        self._synonyms = {self.fold(a): self.fold(b) for a, b in core["synonyms"].items()}
        self._synonym_re = re.compile("|".join(map(re.escape, sorted(self._synonyms, key=len, reverse=True))))

    @staticmethod
    def fold(text: str) -> str:
        """Width, case and every kind of space folded."""
        text = unicodedata.normalize("NFKC", str(text or ""))
        return "".join(text.split()).lower()

    def label(self, text: str) -> str:
        """The comparable core of a label: numbering, stars, notes, units, punctuation removed."""
        t = self.fold(text)
        t = _STARS.sub("", t)
        for _ in range(2):
            t = _NUMBERING.sub("", t)
        t = _OF_WHICH.sub("", t)

        def paren(m: re.Match) -> str:
            inner = m.group(1)
            # units and notes go; a real qualifier such as (社区) or (是/否) options is kept only if short text
            # option lists (大春/小春, 是、否) say how to answer, not what is asked
            if not inner or inner in self._notes or extract_unit(f"({inner})") or any(c in inner for c in ":：,，/、") \
                    or len(inner) > 8 or inner.isdigit():
                return ""
            return inner

        t = _PAREN.sub(paren, t)
        t = _TRAILING.sub("", t)
        for a, b in self._equiv:
            t = t.replace(self.fold(a), self.fold(b))
        return t

    def core(self, label: str) -> str:
        """A normalized label without modifiers that do not change the question: 所属街道 → 街道."""
        t = label
        for p in self._prefixes:
            if t.startswith(p) and len(t) > len(p) + 1:
                t = t[len(p):]
                break
        t = self._synonym_re.sub(lambda m: self._synonyms[m.group(0)], t) if self._synonyms else t
        for s in self._suffixes:
            if t.endswith(s) and len(t) > len(s) + 1:
                t = t[: -len(s)]
                break
        half = len(t) // 2
        if len(t) % 2 == 0 and t[:half] == t[half:]:  # 村组（社区） → 村村 → 村
            t = t[:half]
        return t

    def split_owner(self, label: str) -> tuple[str | None, str]:
        """(owner tag, base label) when a normalized label names whose value it is: 户主电话 → (household_head, 电话)."""
        for word, tag in self.k.owner_words():
            w = self.fold(word)
            if label.startswith(w) and len(label) > len(w):
                return tag, label[len(w):].lstrip("的之")
        return None, label

    def owner_of_section(self, section: str) -> str | None:
        """The owner a section label names: 家庭成员情况 → family_member (anywhere in the label)."""
        s = self.label(section)
        for word, tag in self.k.owner_words():
            if self.fold(word) in s:
                return tag
        return None

    def unit_of(self, text: str) -> str | None:
        return extract_unit(text)
