"""Import test fixtures: reasons read in English, and an import run for the test's merchant."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import translation

from siyu.imports.services import ImportReport
from siyu.testing import flows


@pytest.fixture(autouse=True)
def english():
    """Reasons are compared in English; the default language is Chinese."""
    with translation.override("en"):
        yield


@pytest.fixture
def run_import(merchant) -> Callable[..., ImportReport]:
    """``run_import(kind, content, filename=, m=None, staff=None, **options)`` for the test's merchant."""

    def run_for(kind: str, content: str | bytes, *, m=None, **kw) -> ImportReport:
        return flows.run_import(m or merchant, kind, content, **kw)

    return run_for
