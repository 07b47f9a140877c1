"""Explicit state machines: allowed transitions in one table, applied with a compare-and-set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.utils import timezone

from siyu.core.errors import InvalidTransition


class StateMachine:
    """Allowed transitions of one status field, enforced atomically.

    ``advance`` updates the row only if it is still in the state the caller read
    (``UPDATE ... WHERE id = %s AND status = %s``), so two concurrent actors cannot both move it.
    """

    def __init__(self, transitions: Mapping[str, set[str]], *, field: str = "status") -> None:
        self.transitions = transitions
        self.field = field

    def allowed(self, source: str, target: str) -> bool:
        return target in self.transitions.get(source, set())

    def check(self, source: str, target: str) -> None:
        if not self.allowed(source, target):
            raise InvalidTransition(detail={"from": source, "to": target})

    def advance(self, obj: models.Model, target: str, *, stamp: str | None = None, **changes: Any) -> None:
        """Move ``obj`` to ``target`` if its stored state still equals its in-memory state."""
        source = getattr(obj, self.field)
        self.check(source, target)
        values = {self.field: target, **changes}
        if stamp:
            values[stamp] = timezone.now()
        updated = type(obj)._default_manager.filter(pk=obj.pk, **{self.field: source}).update(**values)
        if updated != 1:
            obj.refresh_from_db(fields=[self.field])
            raise InvalidTransition(detail={"from": getattr(obj, self.field), "to": target})
        for name, value in values.items():
            setattr(obj, name, value)
