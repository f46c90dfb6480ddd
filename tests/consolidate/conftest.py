from __future__ import annotations

import pytest

from yibiaotong.consolidate.knowledge import Knowledge
from yibiaotong.consolidate.matcher import Matcher
from yibiaotong.consolidate.normalize import Normalizer
from yibiaotong.packs import resolve_packs


@pytest.fixture(scope="session")
def knowledge() -> Knowledge:
    return Knowledge.from_packs(resolve_packs("standard"))


@pytest.fixture(scope="session")
def matcher(standard_dictionary, knowledge) -> Matcher:
    return Matcher(standard_dictionary, knowledge)


@pytest.fixture(scope="session")
def norm(knowledge) -> Normalizer:
    return Normalizer(knowledge)
