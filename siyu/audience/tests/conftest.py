"""A small, fully known population for the audience tests: five customers of ``tea`` and one of ``beta``."""

from __future__ import annotations

import pytest

from siyu.testing.worlds import People, build_people


@pytest.fixture
def people(merchant) -> People:
    return build_people(merchant)
