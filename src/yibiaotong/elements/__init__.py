"""Data elements (数据元): the dictionary everything points at, code lists and value validators."""

from yibiaotong.elements.dictionary import Dictionary
from yibiaotong.elements.model import CodeItem, CodeList, Element

__all__ = ["CodeItem", "CodeList", "Dictionary", "Element"]
