"""The console's 触达 module as an operator uses it: channels and the fatigue budget, templates with
a customer preview, a broadcast from draft to report, messages in doubt, the customer 360 timeline."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from siyu.reach.models import (
    Broadcast,
    BroadcastStatus,
    ChannelSetting,
    FatiguePolicy,
    Message,
    MessageStatus,
    MessageTemplate,
)
from siyu.tenancy.models import Role
from siyu.testing.clients import log_in
from siyu.testing.factories import log_in_customer
from siyu.testing.reach_console import (
    EveryoneAdapter,
    channels_installed,
    give_consent,
    member_segment,
    switch_on,
)
from siyu.testing.snapshots import refused

pytestmark = pytest.mark.django_db

# 10:00 in Shanghai on 1 March 2028.
NOW = dt.datetime(2028, 3, 1, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def fixed_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def console_as(make_staff):
    def make(role):
        staff = make_staff(role)
        return log_in(staff), staff

    return make


@pytest.fixture
def sms():
    with channels_installed(EveryoneAdapter("sms"), EveryoneAdapter("subscribe_message")):
        yield


def _customers(merchant, n):
    rows = []
    for i in range(n):
        customer, _token = log_in_customer(merchant, f"reach{i}")
        customer.nickname = f"客{i}"
        customer.save(update_fields=["nickname"])
        rows.append(customer)
    return rows


def test_the_channels_page_lists_every_channel_and_saves_the_fatigue_budget(console_as, merchant, sms):
    client, _owner = console_as(Role.OPERATOR)
    page = client.get("/console/reach/channels/").content.decode()
    for label in (
        "Mini-program subscribe message",
        "Official account",
        "WeCom 1:1",
        "SMS",
        "Email",
        "Webhook",
    ):
        assert label in page
    assert 'data-testid="fatigue-explained"' in page

    response = client.post(
        "/console/reach/channels/fatigue/",
        {"daily_cap": "2", "weekly_cap": "5", "default_hour": "19", "tighten_for_tolerance": "on"},
    )
    assert response.status_code == 302
    policy = FatiguePolicy.objects.get(merchant=merchant)
    assert (policy.daily_cap, policy.weekly_cap, policy.default_hour, policy.tighten_for_tolerance) == (
        2,
        5,
        19,
        True,
    )
    assert (
        "at most 2 marketing messages a day and 5 a week"
        in client.get("/console/reach/channels/").content.decode()
    )

    # A week below a day is refused on its field, and nothing changes.
    bad = refused(
        client,
        "/console/reach/channels/fatigue/",
        {"daily_cap": "3", "weekly_cap": "2", "default_hour": "19"},
        merchant,
        400,
    )
    assert "A week allows at least as many messages as a day." in bad.content.decode()


def test_an_sms_channel_is_set_up_and_its_secrets_never_come_back(console_as, merchant, sms):
    client, _owner = console_as(Role.OWNER)
    form = {
        "enabled": "on",
        "rate_per_minute": "300",
        "concurrency": "4",
        "daily_cap": "1",
        "weekly_cap": "",
        "sms_sdk_app_id": "1400000001",
        "sign_name": "茶园",
        "region": "ap-guangzhou",
        "endpoint": "",
        "secret_secret_id": "AKIDsecretid",
        "secret_secret_key": "very-secret-key",
        "sandbox": "on",
    }
    assert client.post("/console/reach/channels/sms/", form).status_code == 302
    setting = ChannelSetting.objects.get(merchant=merchant, channel="sms")
    assert (
        setting.enabled,
        setting.rate_per_minute,
        setting.concurrency,
        setting.daily_cap,
        setting.weekly_cap,
    ) == (
        True,
        300,
        4,
        1,
        None,
    )
    assert setting.config == {
        "sms_sdk_app_id": "1400000001",
        "sign_name": "茶园",
        "region": "ap-guangzhou",
        "sandbox": True,
    }
    held = setting.secrets()
    token = held.pop("callback_token")  # made on the first save: the callback URLs carry it
    assert len(token) == 32
    assert held == {"secret_id": "AKIDsecretid", "secret_key": "very-secret-key"}
    page = client.get("/console/reach/channels/sms/").content.decode()
    assert "very-secret-key" not in page and "AKIDsecretid" not in page
    assert "Set. Leave empty to keep it." in page
    assert 'data-testid="channel-ready"' in page  # the adapter reads the keys the form wrote
    assert f"/reach/sms/{merchant.pk}/{token}/status" in page
    assert f"/reach/sms/{merchant.pk}/{token}/reply" in page

    # Saving with the secrets left empty keeps them.
    again = {**form, "rate_per_minute": "120", "secret_secret_id": "", "secret_secret_key": ""}
    assert client.post("/console/reach/channels/sms/", again).status_code == 302
    setting.refresh_from_db()
    assert setting.rate_per_minute == 120
    assert setting.secrets() == {
        "secret_id": "AKIDsecretid",
        "secret_key": "very-secret-key",
        "callback_token": token,
    }

    wechat = client.get("/console/reach/channels/subscribe_message/").content.decode()
    assert 'data-testid="wechat-hint"' in wechat and "/console/settings/wechat/" in wechat


def test_a_guide_or_analyst_cannot_write(console_as, merchant, sms, customer):
    analyst, _a = console_as(Role.ANALYST)
    assert analyst.get("/console/reach/channels/").status_code == 200
    assert analyst.get("/console/reach/broadcasts/").status_code == 200
    refused(
        analyst,
        "/console/reach/channels/fatigue/",
        {"daily_cap": "1", "weekly_cap": "3", "default_hour": "20"},
        merchant,
        403,
    )
    refused(
        analyst,
        "/console/reach/channels/sms/",
        {"enabled": "on", "rate_per_minute": "1", "concurrency": "1"},
        merchant,
        403,
    )
    refused(
        analyst,
        "/console/reach/templates/new/?channel=sms",
        {"name": "x", "external_id": "1", "params": "a"},
        merchant,
        403,
    )
    guide, _g = console_as(Role.GUIDE)
    assert guide.get("/console/reach/channels/").status_code == 403
    assert guide.get(f"/console/customers/{customer.pk}/messages/").status_code == 403


def test_a_template_is_written_refused_on_its_field_and_previewed_for_a_customer(console_as, merchant, sms):
    client, _owner = console_as(Role.OPERATOR)
    (alice,) = _customers(merchant, 1)
    new = "/console/reach/templates/new/?channel=subscribe_message"
    page = client.get(new).content.decode()
    assert "Template ID (priTmplId)" in page and "{{ coupon.name }}" in page  # the variables as chips

    # Longer than the channel allows: refused on the field, nothing saved.
    too_long = {"name": "券到账", "external_id": "tmpl-1", "data": "thing1: " + "长" * 21, "page": ""}
    response = refused(client, new, too_long, merchant, 400)
    assert "At most 20 characters; this is 21." in response.content.decode()
    # An unknown variable: refused too.
    unknown = {**too_long, "data": "thing1: {{ customer.secret }}"}
    assert "customer.secret" in refused(client, new, unknown, merchant, 400).content.decode()

    good = {**too_long, "data": "thing1: {{ customer.nickname }}的券\ntime2: {{ coupon.valid_until }}"}
    response = client.post(new, good)
    assert response.status_code == 302
    template = MessageTemplate.objects.get(merchant=merchant)
    assert (template.channel, template.external_id, template.fields) == (
        "subscribe_message",
        "tmpl-1",
        {"thing1": "{{ customer.nickname }}的券", "time2": "{{ coupon.valid_until }}"},
    )
    preview = client.get(f"/console/reach/templates/{template.pk}/preview/", {"customer": alice.pk})
    assert preview.status_code == 200
    assert "客0的券" in preview.content.decode()
    assert 'data-testid="phone-preview"' in preview.content.decode()

    assert client.post(f"/console/reach/templates/{template.pk}/archive/").status_code == 302
    template.refresh_from_db()
    assert template.status == "archived"


def test_an_sms_template_keeps_its_parameters_in_order(console_as, merchant, sms):
    client, _owner = console_as(Role.OPERATOR)
    form = {
        "name": "短信券",
        "external_id": "2001",
        "params": "{{ customer.nickname }}\n{{ coupon.amount }}\n",
    }
    assert client.post("/console/reach/templates/new/?channel=sms", form).status_code == 302
    assert MessageTemplate.objects.get(merchant=merchant).fields == {
        "params": ["{{ customer.nickname }}", "{{ coupon.amount }}"]
    }


def test_a_broadcast_goes_from_draft_with_a_live_preview_to_a_report_that_adds_up(
    console_as, merchant, sms, fixed_now
):
    client, _owner = console_as(Role.OPERATOR)
    customers = _customers(merchant, 5)
    give_consent(customers[:3], "sms")
    switch_on(merchant, "sms")
    segment = member_segment(merchant, customers)
    template = MessageTemplate.objects.create(
        merchant=merchant,
        name="春茶",
        channel="sms",
        external_id="1",
        fields={"params": ["{{ customer.nickname }}"]},
    )
    form = {
        "name": "春茶上新",
        "segment": str(segment.pk),
        "template_1": str(template.pk),
        "send_time": "now",
        "window_days": "1",
        "over_budget": "skip",
        "priority": "50",
        "holdout": "0",
    }
    preview = client.post("/console/reach/broadcasts/preview/", form).content.decode()
    assert 'data-testid="preview-audience">5<' in preview
    assert 'data-testid="preview-channel-sms">3<' in preview
    assert 'data-testid="preview-no-consent">2<' in preview

    # Refused input changes nothing: no template picked, a holdout over 50%.
    refused(client, "/console/reach/broadcasts/new/", {**form, "template_1": ""}, merchant, 400)
    refused(client, "/console/reach/broadcasts/new/", {**form, "holdout": "60"}, merchant, 400)

    response = client.post("/console/reach/broadcasts/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    broadcast = Broadcast.objects.get(merchant=merchant)
    assert broadcast.status == BroadcastStatus.DRAFT
    assert "春茶上新" in client.get("/console/reach/broadcasts/").content.decode()

    assert client.post(f"/console/reach/broadcasts/{broadcast.pk}/start/").status_code == 302
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.SENDING and broadcast.audience_size == 5
    report = client.get(f"/console/reach/broadcasts/{broadcast.pk}/").content.decode()
    assert 'data-testid="report-audience">5<' in report
    assert 'data-testid="split-total">5<' in report
    assert "Adds up to the audience of 5." in report
    assert "No consent" in report  # skipped by reason, as words
    assert 'data-testid="sends-chart"' in report

    # Pause, resume, cancel: queued messages are cancelled.
    assert client.post(f"/console/reach/broadcasts/{broadcast.pk}/pause/").status_code == 302
    assert client.post(f"/console/reach/broadcasts/{broadcast.pk}/resume/").status_code == 302
    assert client.post(f"/console/reach/broadcasts/{broadcast.pk}/cancel/").status_code == 302
    broadcast.refresh_from_db()
    assert broadcast.status == BroadcastStatus.CANCELLED
    assert Message.objects.filter(broadcast=broadcast, status=MessageStatus.QUEUED).count() == 0

    # A cancelled broadcast cannot start again: refused, nothing changed.
    refused(client, f"/console/reach/broadcasts/{broadcast.pk}/start/", {}, merchant, 409)


def test_fast_forward_moves_the_next_hour_of_sends_in_the_demo_only(
    console_as, merchant, sms, fixed_now, settings
):
    client, _owner = console_as(Role.OPERATOR)
    customers = _customers(merchant, 2)
    give_consent(customers, "sms")
    switch_on(merchant, "sms")
    segment = member_segment(merchant, customers)
    template = MessageTemplate.objects.create(
        merchant=merchant, name="晚安", channel="sms", external_id="1", fields={"params": ["hi"]}
    )
    broadcast = Broadcast.objects.create(
        merchant=merchant, name="晚间", segment=segment, send_time="preferred_hour"
    )
    broadcast.channels.create(merchant=merchant, position=0, template=template)
    assert client.post(f"/console/reach/broadcasts/{broadcast.pk}/start/").status_code == 302
    queued = Message.objects.filter(broadcast=broadcast, status=MessageStatus.QUEUED)
    slots = sorted(queued.values_list("send_at", flat=True))
    assert slots and all(s > NOW for s in slots)  # 20:00 Shanghai, later today

    settings.SIYU_DEMO = False
    assert (
        'data-testid="fast-forward"'
        not in client.get(f"/console/reach/broadcasts/{broadcast.pk}/").content.decode()
    )
    refused(client, f"/console/reach/broadcasts/{broadcast.pk}/fast-forward/", {}, merchant, 409)

    settings.SIYU_DEMO = True
    assert (
        'data-testid="fast-forward"'
        in client.get(f"/console/reach/broadcasts/{broadcast.pk}/").content.decode()
    )
    assert client.post(f"/console/reach/broadcasts/{broadcast.pk}/fast-forward/").status_code == 302
    assert sorted(queued.values_list("send_at", flat=True)) == [NOW] * len(slots)


def test_messages_in_doubt_and_the_customer_timeline(console_as, merchant, sms):
    client, _owner = console_as(Role.OPERATOR)
    (alice,) = _customers(merchant, 1)
    template = MessageTemplate.objects.create(
        merchant=merchant, name="通知", channel="sms", fields={"params": ["x"]}
    )
    common = {"merchant": merchant, "customer": alice, "template": template, "channel": "sms", "send_at": NOW}
    Message.objects.create(key="k1", status=MessageStatus.IN_DOUBT, error="worker died", **common)
    Message.objects.create(key="k2", status=MessageStatus.SKIPPED, reason="over_budget", **common)
    Message.objects.create(key="k3", status=MessageStatus.SENT, clicked_at=NOW, **common)

    doubt = client.get("/console/reach/in-doubt/").content.decode()
    assert "worker died" in doubt and "客0" in doubt

    timeline = client.get(f"/console/customers/{alice.pk}/messages/").content.decode()
    assert timeline.count('data-testid="customer-message"') == 3
    assert "Over budget" in timeline and "In doubt" in timeline and "clicked" in timeline
    assert "over_budget" not in timeline.replace("st-", "")  # labels, not keys
    assert (
        f"/console/customers/{alice.pk}/messages/"
        in client.get(f"/console/customers/{alice.pk}/").content.decode()
    )


def test_the_reach_pages_speak_chinese(merchant, owner, sms):
    client = log_in(owner, language="zh-hans")
    assert "触达" in client.get("/console/reach/channels/").content.decode()
