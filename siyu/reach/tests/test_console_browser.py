"""The broadcast form in Chromium: picking a segment and a template fills the live preview, and
changing the holdout changes it again, before anything is saved."""

from __future__ import annotations

from pathlib import Path

import pytest

from siyu.reach.models import Broadcast, MessageTemplate
from siyu.testing.browser import log_in
from siyu.testing.reach import RecordingAdapter, consent, enable, installed, make_customers
from siyu.testing.reach_console import member_segment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vendor_static(settings):
    """Serve siyu/static/ (htmx) in the live server, as the console's browser tests do."""
    static = Path(settings.BASE_DIR) / "static"
    if static not in [Path(d) for d in settings.STATICFILES_DIRS]:
        settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, static]
    yield


@pytest.fixture
def sms():
    with installed(RecordingAdapter("sms")):
        yield


def test_the_broadcast_preview_counts_live_as_the_operator_fills_the_form(
    live_server, open_page, vendor_static, owner, sms
):
    merchant = owner.merchant
    enable(merchant, "sms")
    customers = make_customers(merchant, 10)
    consent(customers[:8], "sms")
    segment = member_segment(merchant, customers, name="老客")
    template = MessageTemplate.objects.create(
        merchant=merchant,
        name="春茶短信",
        channel="sms",
        external_id="1",
        fields={"params": ["{{ customer.nickname }}"]},
    )
    page = open_page()
    log_in(page, live_server.url, owner)
    page.goto(f"{live_server.url}/console/reach/broadcasts/new/")
    assert "选择人群" in page.text_content("[data-testid=broadcast-form]")
    page.fill("input[name=name]", "春茶上新")

    page.click("[data-testid=picker-segment] [data-role=open]")
    page.wait_for_selector(f"[data-testid=pick-{segment.pk}]")
    page.click(f"[data-testid=pick-{segment.pk}]")  # one segment: picking closes the picker
    page.select_option("select[name=template_1]", str(template.pk))

    page.wait_for_function(
        "document.querySelector('[data-testid=preview-audience]')?.textContent.trim() === '10'"
    )
    assert page.text_content("[data-testid=preview-channel-sms]").strip() == "8"
    assert page.text_content("[data-testid=preview-no-consent]").strip() == "2"
    assert page.text_content("[data-testid=preview-holdout]").strip() == "0"

    page.fill("input[name=holdout]", "50")
    page.dispatch_event("input[name=holdout]", "change")
    page.wait_for_function(
        "document.querySelector('[data-testid=preview-holdout]')?.textContent.trim() !== '0'"
    )
    assert page.text_content("[data-testid=preview-audience]").strip() == "10"
    assert page.js_errors == []
    assert not Broadcast.objects.exists()  # the preview saves nothing
