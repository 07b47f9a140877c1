"""Reads of the official account's menu for the console page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from siyu.wechat.oa_web.models import MenuDraft, MenuPublish

HISTORY = 10  # publishes the console lists


@dataclass(frozen=True)
class MenuState:
    draft: dict[str, Any]
    history: list[MenuPublish]

    @property
    def last(self) -> MenuPublish | None:
        return self.history[0] if self.history else None

    @property
    def live(self) -> dict[str, Any] | None:
        """The menu WeChat shows now as far as Siyu knows: the last successful publish's (None
        when none or when the last successful call cleared it)."""
        for row in self.history:
            if row.ok:
                return row.menu if row.action == "publish" else None
        return None


def menu_state(merchant_id: int) -> MenuState:
    draft = MenuDraft.objects.for_merchant(merchant_id).first()
    history = list(MenuPublish.objects.for_merchant(merchant_id).select_related("created_by")[:HISTORY])
    return MenuState(draft=draft.menu if draft else {}, history=history)
