"""The order page's timeline: the whole history, in the reader's language, with people's names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from siyu.members.models import Customer
from siyu.orders.models import OrderEvent
from siyu.orders.services import lifecycle
from siyu.orders.services.timeline import EVENT_LABELS, REASON_LABELS
from siyu.testing.clients import log_in


def _timeline(html: str) -> list[str]:
    block = re.search(r'<ol class="timeline" data-testid="timeline">(.*?)</ol>', html, re.S)
    assert block is not None
    items = re.findall(r"<li>(.*?)</li>", block.group(1), re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip() for item in items]


@pytest.mark.django_db
def test_timeline_tells_the_whole_history_in_chinese(paid_order, owner):
    Customer.objects.filter(pk=paid_order.customer_id).update(nickname="小林")
    owner.display_name = "王店长"
    owner.save(update_fields=["display_name"])
    lifecycle.ship_order(
        staff=owner, order_id=paid_order.pk, carrier="顺丰", tracking_number="SF1000000000100"
    )
    html = log_in(owner, language="zh-hans").get(f"/console/orders/{paid_order.pk}/").content.decode()
    lines = [line.split(" ", 2)[2] for line in _timeline(html)]  # without the date and time
    payable = f"¥{paid_order.payable_amount // 100}.{paid_order.payable_amount % 100:02d}"
    payment = paid_order.payments.get().number
    assert lines == [
        f"下单 → 待付款 · {payable} 小林",
        f"发起支付 · 支付单 {payment} 小林",
        f"付款 → 已付款 · 支付单 {payment} · {payable} 系统",
        "发货 → 已发货 · 顺丰速运 SF1000000000100 王店长",
    ]


@pytest.mark.django_db
def test_milestones_without_events_stay_after_the_first_event(paid_order, owner):
    """History imported or simulated without events: 下单 and 付款 come from the order's stamps."""
    OrderEvent.objects.filter(order=paid_order).delete()
    lifecycle.ship_order(staff=owner, order_id=paid_order.pk, carrier="SF", tracking_number="SF1234567890123")
    html = log_in(owner, language="zh-hans").get(f"/console/orders/{paid_order.pk}/").content.decode()
    labels = [line.split(" ", 2)[2] for line in _timeline(html)]
    assert labels[:2] == ["下单", "付款"]
    assert labels[2].startswith("发货 → 已发货")
    assert len(labels) == 3


def _written_kinds() -> dict[str, str]:
    """Every event kind the code can write, read from the source: ``log_event(order, "kind")``,
    ``_transition(..., kind="kind")`` and the kinds ``_advance_due`` passes on."""
    kinds: dict[str, str] = {}
    root = Path(settings.BASE_DIR)
    for path in root.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            arg: ast.expr | None = None
            if name == "log_event" and len(node.args) >= 2:
                arg = node.args[1]
            elif name == "_transition":
                arg = next((k.value for k in node.keywords if k.arg == "kind"), None)
            elif name == "_advance_due" and len(node.args) >= 5:
                arg = node.args[4]
            if arg is None:
                continue
            where = f"{path.relative_to(root)}:{node.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                kinds[arg.value] = where
            elif not (isinstance(arg, ast.Name) and arg.id == "kind"):  # the pass-through helpers
                kinds[f"<unreadable kind at {where}>"] = where
    return kinds


def test_every_event_kind_the_code_writes_has_a_label():
    kinds = _written_kinds()
    assert {"created", "paid", "shipped", "completed", "refunded_and_closed"} <= set(kinds)
    missing = {kind: where for kind, where in kinds.items() if kind not in EVENT_LABELS}
    assert missing == {}
    with translation.override("zh-hans"):
        labels = {**EVENT_LABELS, **REASON_LABELS}
        untranslated = [k for k, label in labels.items() if not re.search(r"[\u4e00-\u9fff]", str(label))]
    assert untranslated == []
