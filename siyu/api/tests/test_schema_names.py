"""Two input or output schemas with one class name would share one OpenAPI component, and the
later would silently describe both routes. Every schema class name must be unique."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from siyu.api import api


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def test_schema_class_names_are_unique():
    api.get_openapi_schema()  # imports every router's schemas
    modules: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("siyu.") and "[" not in cls.__name__:
            modules[cls.__name__].add(cls.__module__)
    clashes = {name: sorted(mods) for name, mods in modules.items() if len(mods) > 1}
    assert clashes == {}
