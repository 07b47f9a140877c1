"""The custom menu editor's form: 3 top-button slots of 5 sub-button slots each, read into WeChat's
menu JSON and drawn back from it, with each refusal of the menu rules put on its own field.

A slot is in use when any of its text fields is filled; a top slot with sub buttons in use is a
parent (its own type and target are dropped, as WeChat ignores them). Field names: ``b<i>_<field>``
for top button i, ``s<i>_<j>_<field>`` for its sub button j.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from siyu.wechat.oa_web import menu as rules

TEXT_FIELDS = ("name", "key", "url", "appid", "pagepath")
TYPE_CHOICES = (
    (rules.CLICK, _("Send a click event (key)")),
    (rules.VIEW, _("Open a web page")),
    (rules.MINIPROGRAM, _("Open a mini-program page")),
)


@dataclass
class Slot:
    """One button's inputs: ``prefix`` names its fields, ``errors`` maps a field to its messages."""

    prefix: str
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)
    subs: list[Slot] = field(default_factory=list)

    def name_of(self, name: str) -> str:
        return f"{self.prefix}_{name}"

    @property
    def used(self) -> bool:
        return any(self.values.get(f) for f in TEXT_FIELDS)

    @property
    def field_list(self) -> list[dict[str, Any]]:
        """The inputs as the template draws them."""
        return [
            {
                "name": self.name_of(f),
                "field": f,
                "value": self.values.get(f, ""),
                "errors": self.errors.get(f, []),
            }
            for f in TEXT_FIELDS
        ]


@dataclass
class MenuEditor:
    slots: list[Slot]
    general: list[str] = field(default_factory=list)
    # menu path prefix ("button.0", "button.0.sub_button.2") -> the slot it was read from
    paths: dict[str, Slot] = field(default_factory=dict)

    @property
    def type_choices(self) -> tuple[tuple[str, Any], ...]:
        return TYPE_CHOICES

    def menu(self) -> dict[str, Any]:
        """The menu the slots in use make, in slot order, remembering which slot is which path."""
        self.paths = {}
        buttons: list[dict[str, Any]] = []
        for top in self.slots:
            subs = [s for s in top.subs if s.used]
            if not top.used and not subs:
                continue
            path = f"button.{len(buttons)}"
            self.paths[path] = top
            if subs:
                entry: dict[str, Any] = {"name": top.values.get("name", ""), "sub_button": []}
                for sub in subs:
                    self.paths[f"{path}.sub_button.{len(entry['sub_button'])}"] = sub
                    entry["sub_button"].append(_leaf(sub))
                buttons.append(entry)
            else:
                buttons.append(_leaf(top))
        return {"button": buttons}

    def apply_problems(self, problems: list[dict[str, Any]]) -> None:
        """Put each problem of a ``MenuInvalid`` refusal on the field it names."""
        for problem in problems:
            path, text = str(problem.get("path", "")), rules.errcode_text(int(problem.get("errcode", 0)))
            prefix, _dot, name = path.rpartition(".")
            slot = self.paths.get(prefix)
            if slot is not None and name in (*TEXT_FIELDS, "type"):
                slot.errors.setdefault(name, []).append(text)
            elif path in self.paths:  # "button.0.sub_button": the count of a parent's sub buttons
                self.paths[path].errors.setdefault("name", []).append(text)
            else:
                self.general.append(text)


def _leaf(slot: Slot) -> dict[str, Any]:
    values = {"type": slot.values.get("type", ""), **{f: slot.values.get(f, "") for f in TEXT_FIELDS}}
    return values


def from_post(data: QueryDict) -> MenuEditor:
    def slot(prefix: str) -> Slot:
        values = {f: data.get(f"{prefix}_{f}", "").strip() for f in (*TEXT_FIELDS, "type")}
        return Slot(prefix=prefix, values=values)

    slots = []
    for i in range(rules.TOP_MAX):
        top = slot(f"b{i}")
        top.subs = [slot(f"s{i}_{j}") for j in range(rules.SUB_MAX)]
        slots.append(top)
    return MenuEditor(slots=slots)


def from_menu(menu: dict[str, Any]) -> MenuEditor:
    buttons = (menu or {}).get("button") or []
    slots = []
    for i in range(rules.TOP_MAX):
        button = buttons[i] if i < len(buttons) else {}
        top = Slot(prefix=f"b{i}", values=_values(button))
        subs = button.get("sub_button") or []
        top.subs = [
            Slot(prefix=f"s{i}_{j}", values=_values(subs[j] if j < len(subs) else {}))
            for j in range(rules.SUB_MAX)
        ]
        slots.append(top)
    return MenuEditor(slots=slots)


def _values(button: dict[str, Any]) -> dict[str, str]:
    return {f: str(button.get(f) or "") for f in (*TEXT_FIELDS, "type")}


def domains_from_text(text: str) -> list[str]:
    """The allowed domains a textarea lists, one a line or separated by commas or spaces."""
    return [d for d in text.replace(",", " ").split() if d]
