"""A broadcast end to end: made and started through the admin API, sent through the sandbox's WeChat
and Tencent SMS over real HTTP, its report; and an order attributed to a tracked link's click."""

from __future__ import annotations

from collections import Counter

from django.test import Client
from django.utils import timezone

from siyu.members.models import Channel, Customer, CustomerIdentity, IdentityKind
from siyu.reach import dispatch, holdout
from siyu.reach.models import Broadcast, Message, SubscriptionGrant
from siyu.testing import factories, flows
from siyu.testing.reach import consent, make_customers, static_segment
from siyu.testing.reach_channels import sms_channel
from siyu.testing.reach_wechat import inbox

BASE = "/api/v1/admin/reach"
TMPL = "tmplMemberDay00000001"


def _phones(people, first=0):
    for i, person in enumerate(people):
        person.phone = f"1370000{first + i:04d}"
    Customer.objects.bulk_update(people, ["phone"])


def _api_templates(staff_api):
    r = staff_api.post(
        f"{BASE}/templates",
        {
            "name": "会员日",
            "channel": "subscribe_message",
            "provider_template": TMPL,
            "fields": {"thing1": "{{ customer.nickname }}", "thing3": "会员日专享"},
            "page": "pages/index/index",
        },
    )
    assert r.status_code == 201, r.content
    sub = r.json()["id"]
    r = staff_api.post(
        f"{BASE}/templates",
        {
            "name": "会员日短信",
            "channel": "sms",
            "provider_template": "1234567",
            "fields": {"params": ["{{ customer.nickname }}", "{{ link }}"]},
            "link_url": "https://shop.example.com/member-day",
        },
    )
    assert r.status_code == 201, r.content
    return sub, r.json()["id"]


def _start(staff_api, segment, template_ids, holdout_bp):
    r = staff_api.post(
        f"{BASE}/broadcasts",
        {"name": "会员日", "segment_id": segment.pk, "template_ids": template_ids, "holdout_bp": holdout_bp},
    )
    assert r.status_code == 201, r.content
    bid = r.json()["id"]
    r = staff_api.post(f"{BASE}/broadcasts/{bid}/start")
    assert r.status_code == 200 and r.json()["status"] == "sending", r.content
    return bid


def test_a_broadcast_reaches_each_customer_on_their_first_usable_channel_and_reports_it(
    merchant, shop, staff_api
):
    fake = shop.fake
    sms_channel(merchant, fake, param_max_chars=0)
    assert staff_api.put(f"{BASE}/channels/subscribe_message", {"enabled": True}).status_code == 200
    # 30 granted a subscribe message (10 of them also have a phone), 30 with only a phone, 5 who never
    # consented, 5 who consented to SMS but have no phone.
    granted = make_customers(merchant, 30, prefix="g")
    for i, person in enumerate(granted):
        CustomerIdentity.objects.create(
            merchant=merchant, customer=person, kind=IdentityKind.MP_OPENID, value=f"oMpG{i:015d}"
        )
        SubscriptionGrant.objects.create(merchant=merchant, customer=person, template_id=TMPL, remaining=1)
    _phones(granted[:10], first=100)
    consent(granted, Channel.SUBSCRIBE_MESSAGE, Channel.SMS)
    phoned = make_customers(merchant, 30, prefix="p")
    _phones(phoned, first=200)
    consent(phoned, Channel.SMS)
    silent = make_customers(merchant, 5, prefix="n")
    _phones(silent, first=300)
    unreachable = make_customers(merchant, 5, prefix="u")
    consent(unreachable, Channel.SMS)
    audience = granted + phoned + silent + unreachable
    segment = static_segment(merchant, audience)
    sub, sms = _api_templates(staff_api)

    bid = _start(staff_api, segment, [sub, sms], holdout_bp=1000)
    seed = Broadcast.objects.get(pk=bid).holdout_seed
    held = {c.pk for c in audience if holdout.held_out(seed, 1000, c.pk)}

    def kept(people):
        return [c for c in people if c.pk not in held]

    totals = dispatch.run_once(now=timezone.now())

    assert sorted(to for to, _ in inbox(fake, "subscribe_message")) == sorted(
        CustomerIdentity.objects.get(customer=c, kind=IdentityKind.MP_OPENID).value for c in kept(granted)
    )
    assert sorted(to for to, _ in inbox(fake, "sms")) == sorted(f"+86{c.phone}" for c in kept(phoned))
    # nothing else went out: the granted with a phone got no SMS, the held out nothing
    assert Counter(item.channel for item in fake.inbox) == {
        "subscribe_message": len(kept(granted)),
        "sms": len(kept(phoned)),
    }
    rows = Counter(Message.objects.filter(broadcast_id=bid).values_list("channel", "status", "reason"))
    expected_sent = len(kept(granted)) + len(kept(phoned))
    assert totals["claimed"] == expected_sent
    assert sum(n for (_c, status, _r), n in rows.items() if status == "sent") == expected_sent
    assert {r for (_c, s, r), n in rows.items() if s == "skipped"} <= {"holdout", "no_consent", "unreachable"}

    report = staff_api.get(f"{BASE}/broadcasts/{bid}/report").json()
    assert report["audience_size"] == len(audience) == 70
    assert (report["planned"], report["holdout"], report["sent"]) == (70, len(held), expected_sent)
    assert report["skipped"] == {
        k: v for k, v in {"no_consent": len(kept(silent)), "unreachable": len(kept(unreachable))}.items() if v
    }
    assert report["holdout"] + sum(report["skipped"].values()) + report["sent"] == report["audience_size"]
    # per channel: the held out are planned on the channel they would have had (comparable for lift)
    assert [(c["channel"], c["planned"], c["holdout"], c["sent"]) for c in report["channels"]] == [
        ("sms", 30, 30 - len(kept(phoned)), len(kept(phoned))),
        ("subscribe_message", 30, 30 - len(kept(granted)), len(kept(granted))),
    ]
    assert (report["orders"], report["gmv"], report["status"]) == (0, 0, "done")
    assert set(
        SubscriptionGrant.objects.filter(customer__in=kept(granted)).values_list("remaining", flat=True)
    ) <= {0}


def test_an_order_paid_after_a_tracked_link_click_is_counted_with_its_amount_in_fen(
    merchant, shop, staff_api, customer, address, make_product
):
    fake = shop.fake
    sms_channel(merchant, fake, param_max_chars=0)
    alice = customer
    bob, carol = make_customers(merchant, 2, prefix="b")
    _phones([alice, bob, carol], first=400)
    consent([alice, bob, carol], Channel.SMS)
    segment = static_segment(merchant, [alice, bob, carol])
    _sub, sms = _api_templates(staff_api)
    bid = _start(staff_api, segment, [sms], holdout_bp=0)
    dispatch.run_once(now=timezone.now())
    assert len(inbox(fake, "sms")) == 3

    def link_of(person):
        message = Message.objects.get(broadcast_id=bid, customer=person)
        url = message.payload["TemplateParamSet"][1]
        assert url in dict((to, body) for to, body in inbox(fake, "sms"))[f"+86{person.phone}"]
        return url.split("/reach/r/", 1)[1]

    # Alice taps the link in her text, then buys; Bob taps and does not; Carol buys without tapping.
    page = Client().get(f"/reach/r/{link_of(alice)}")
    assert (page.status_code, page["Location"]) == (302, "https://shop.example.com/member-day")
    assert Client().get(f"/reach/r/{link_of(bob)}").status_code == 302
    tea = make_product("Longjing tea", price=3800).skus.get()
    order = flows.buy(alice, [(tea.pk, 2)], address=address)
    assert (order.source_campaign, order.paid_amount) == (f"reach:b{bid}", 8600)  # 2 x 38.00 + 10.00 post
    other = flows.buy(carol, [(tea.pk, 1)], address=factories.add_address(carol))
    assert other.source_campaign != f"reach:b{bid}"
    unpaid = flows.buy(alice, [(tea.pk, 1)], address=address, paid=False)
    assert unpaid.source_campaign == f"reach:b{bid}"  # attributed, but not paid: not counted

    report = staff_api.get(f"{BASE}/broadcasts/{bid}/report").json()
    assert (report["sent"], report["clicked"], report["orders"], report["gmv"]) == (3, 2, 1, 8600)
