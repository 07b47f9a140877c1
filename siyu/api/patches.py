"""PATCH bodies: a field left out is unchanged; an explicit ``null`` only where clearing means something.

A PATCH schema declares its fields ``X | None = None`` so that each may be left out. Without more,
``{"name": null}`` then reached the services as "set the name to NULL" and failed in the database
(a 500 the fuzzer found in 38 of 161 activity PATCH probes). ``PatchIn`` refuses an explicit null
for every field not named in ``NULLABLE`` with a 400 ``null_not_allowed`` naming the fields, before
anything is read or written, and its OpenAPI schema says the same (no ``null`` for those fields).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import ConfigDict, model_validator

from siyu.core.errors import SiyuError


class NullNotAllowed(SiyuError):
    """Raised when a PATCH body sets a field that cannot be empty to null (leave it out instead)."""

    code = "null_not_allowed"
    status = 400
    message = _("These fields cannot be null; leave a field out to keep its value.")


def _drop_null(schema: dict[str, Any], cls: type) -> None:
    nullable: frozenset[str] = getattr(cls, "NULLABLE", frozenset())
    for name, prop in schema.get("properties", {}).items():
        if name in nullable or "anyOf" not in prop:
            continue
        kept = [option for option in prop["anyOf"] if option.get("type") != "null"]
        if len(kept) == 1:
            del prop["anyOf"]
            prop.update(kept[0])
        else:
            prop["anyOf"] = kept
        if prop.get("default", 0) is None:
            del prop["default"]


class PatchIn(Schema):
    """Base of PATCH bodies: fields may be left out; ``null`` only for the fields in ``NULLABLE``."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()
    model_config = ConfigDict(json_schema_extra=_drop_null)

    @model_validator(mode="before")
    @classmethod
    def _no_null(cls, data: Any) -> Any:
        given = getattr(data, "_obj", data)  # ninja hands its validators a DjangoGetter around the body
        if isinstance(given, dict):
            fields = sorted(
                name
                for name, value in given.items()
                if value is None and name in cls.model_fields and name not in cls.NULLABLE
            )
            if fields:
                # Not a ValueError: pydantic lets it through, so the API answers 400, not 422.
                raise NullNotAllowed(detail={"fields": fields})
        return data
