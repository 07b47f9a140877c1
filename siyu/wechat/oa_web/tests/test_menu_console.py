"""微信 > 公众号菜单 in the console: edit, validate as WeChat does, publish and clear through the fake."""

from __future__ import annotations

import pytest
from django.utils.html import escape

from siyu.simulate.demo_wechat import demo_oa_menu, ensure_demo_oa_menu
from siyu.tenancy.models import AuditEntry, Role
from siyu.testing import oa_web
from siyu.testing.clients import log_in
from siyu.testing.factories import make_merchant, make_staff
from siyu.testing.snapshots import changed, refused, tenant_rows
from siyu.wechat.oa_web.models import MenuDraft, MenuPublish
from siyu.wechat.sandbox import oa_web as fake_oa_web

pytestmark = pytest.mark.django_db

URL = "/console/wechat/menu/"
SHOP = "http://testserver/shop/tea/"


@pytest.fixture
def fake(settings):
    with oa_web.running_fake() as running:
        settings.SIYU_WECHAT_BASES = running.bases()
        yield running


@pytest.fixture
def account(merchant, fake):
    return oa_web.make_oa_account(merchant, fake)


def form(**fields: str) -> dict[str, str]:
    """A menu form: 逛商城 (link), 会员 > 会员中心 + 小程序, and what the test changes."""
    data = {
        "b0_name": "逛商城",
        "b0_type": "view",
        "b0_url": SHOP,
        "b1_name": "会员",
        "s1_0_name": "会员中心",
        "s1_0_type": "view",
        "s1_0_url": SHOP + "me/member/",
        "s1_1_name": "小程序商城",
        "s1_1_type": "miniprogram",
        "s1_1_appid": oa_web.MP_APP_ID,
        "s1_1_pagepath": "pages/index/index",
        "s1_1_url": SHOP,
        "b2_name": "联系我们",
        "b2_type": "click",
        "b2_key": "CONTACT",
        "action": "publish",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


MENU = {
    "button": [
        {"type": "view", "name": "逛商城", "url": SHOP},
        {
            "name": "会员",
            "sub_button": [
                {"type": "view", "name": "会员中心", "url": SHOP + "me/member/"},
                {
                    "type": "miniprogram",
                    "name": "小程序商城",
                    "url": SHOP,
                    "appid": oa_web.MP_APP_ID,
                    "pagepath": "pages/index/index",
                },
            ],
        },
        {"type": "click", "name": "联系我们", "key": "CONTACT"},
    ]
}


def test_publish_sends_the_menu_to_wechat(owner, account, fake):
    client = log_in(owner)
    response = client.post(URL, form())
    assert response.status_code == 302
    assert MenuDraft.objects.get(merchant=owner.merchant).menu == MENU
    row = MenuPublish.objects.get(merchant=owner.merchant)
    assert (row.action, row.ok, row.errcode, row.app_id, row.menu) == (
        "publish",
        True,
        0,
        account.app_id,
        MENU,
    )
    assert fake_oa_web.published_menu(fake.app, account.app_id) == MENU

    page = client.get(URL).content.decode()
    assert 'data-testid="last-publish"><span class="badge ok">Published</span>' in page
    assert 'value="CONTACT"' in page and 'data-testid="live-menu"' in page


def test_save_keeps_a_draft_without_publishing(owner, account, fake):
    response = log_in(owner).post(URL, form(action="save"))
    assert response.status_code == 302
    assert MenuDraft.objects.get(merchant=owner.merchant).menu == MENU
    assert not MenuPublish.objects.exists()
    assert fake_oa_web.published_menu(fake.app, account.app_id) is None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"b0_name": "欢迎光临本店铺"},
            "b0_name",
            "A top button's name is at most 16 bytes (5 Chinese characters).",
        ),
        (
            {"s1_0_name": "字" * 21},
            "s1_0_name",
            "A sub button's name is at most 60 bytes (20 Chinese characters).",
        ),
        ({"b2_key": ""}, "b2_key", "A click button needs a key of 1 to 128 bytes."),
        (
            {"b0_url": "https://evil.example.net/"},
            "b0_url",
            "The link must go to the shop or to one of the allowed domains.",
        ),
        (
            {"s1_1_appid": "gh_123"},
            "s1_1_appid",
            "A mini-program button needs the mini-program's AppID (wx followed by 16 characters).",
        ),
    ],
)
def test_a_menu_wechat_would_refuse_is_refused_on_its_field(owner, account, fake, fields, field, message):
    client = log_in(owner)
    response = refused(client, URL, form(**fields), owner.merchant, 400, "wechat_menu_invalid")
    page = response.content.decode()
    assert f'<span class="field-error" data-testid="{field}-error">{escape(message)}</span>' in page
    assert fake_oa_web.published_menu(fake.app, account.app_id) is None


def test_too_many_sub_buttons_cannot_be_posted_and_six_are_refused(owner, account, fake):
    # The form has 5 slots; a sixth field is ignored, so the menu has at most 5 sub buttons.
    data = form(**{f"s0_{j}_name": f"子{j}" for j in range(6)}, **{f"s0_{j}_type": "click" for j in range(6)})
    data.update({f"s0_{j}_key": f"K{j}" for j in range(6)})
    response = log_in(owner).post(URL, data)
    assert response.status_code == 302
    assert len(MenuDraft.objects.get().menu["button"][0]["sub_button"]) == 5


def test_wechat_refusals_are_recorded_and_shown_in_words(owner, account, fake):
    fake_oa_web.refuse_menus(fake.app, 48001, "api unauthorized")
    client = log_in(owner)
    client.post(URL, form())
    row = MenuPublish.objects.get()
    assert (row.ok, row.errcode, row.errmsg) == (False, 48001, "api unauthorized")
    page = client.get(URL).content.decode()
    assert (
        "Refused by WeChat: The official account is not allowed to use this API (an unverified account?)."
        in page
    )


def test_clear_removes_the_published_menu_and_keeps_the_draft(owner, account, fake):
    client = log_in(owner)
    client.post(URL, form())
    assert client.post(URL, {"action": "clear"}).status_code == 302
    assert fake_oa_web.published_menu(fake.app, account.app_id) is None
    assert [r.action for r in MenuPublish.objects.all()] == ["clear", "publish"]
    assert MenuDraft.objects.get().menu == MENU
    assert 'data-testid="live-menu"' not in client.get(URL).content.decode()


def test_web_settings_switch_the_login_scope_and_allow_domains(owner, account, fake):
    client = log_in(owner)
    response = client.post(
        URL, {"action": "settings", "userinfo": "on", "web_domains": "Brand.Example.com\nblog.example.com"}
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.config["oauth_userinfo"] is True
    assert account.config["web_domains"] == ["blog.example.com", "brand.example.com"]
    assert client.post(URL, form(b0_url="https://brand.example.com/story")).status_code == 302


def test_a_guide_may_look_but_not_publish(merchant, account, fake):
    guide = make_staff(merchant, Role.GUIDE)
    client = log_in(guide)
    assert client.get(URL).status_code == 200
    refused(client, URL, form(), guide.merchant, 403, "permission_denied")


def test_without_an_official_account_the_page_says_so(owner, fake):
    client = log_in(owner)
    assert 'data-testid="no-account"' in client.get(URL).content.decode()
    refused(client, URL, form(), owner.merchant, 409, "wechat_not_configured")


def test_the_demo_menu_is_drafted_then_published_on_each_sandbox_start(owner, account, fake):
    draft = ensure_demo_oa_menu(owner.merchant, publish=False)
    expected = demo_oa_menu("http://127.0.0.1:8000/shop/tea")
    assert isinstance(draft, MenuDraft) and draft.menu == expected
    assert fake_oa_web.published_menu(fake.app, account.app_id) is None

    first = ensure_demo_oa_menu(owner.merchant, site_url="http://127.0.0.1:8000")
    assert isinstance(first, MenuPublish) and first.ok
    assert fake_oa_web.published_menu(fake.app, account.app_id) == expected
    ensure_demo_oa_menu(owner.merchant, site_url="http://127.0.0.1:8000")  # the sandbox forgets on restart
    assert MenuPublish.objects.count() == 2 and MenuDraft.objects.count() == 1
    assert AuditEntry.objects.filter(action="wechat.menu.save").count() == 1


def test_no_demo_menu_without_an_official_account(owner):
    assert ensure_demo_oa_menu(owner.merchant) is None
    assert not MenuDraft.objects.exists()


def test_one_merchants_menu_is_never_anothers(owner, account, fake):
    other = make_merchant("coffee")
    other_owner = make_staff(other)
    oa_web.make_oa_account(other, fake, app_id="wx00000000000000b2")
    log_in(other_owner).post(URL, form(b0_name="咖啡馆"))
    before = tenant_rows(other)

    client = log_in(owner)
    page = client.get(URL).content.decode()
    assert "咖啡馆" not in page and "Nothing published yet." in page
    assert client.post(URL, form()).status_code == 302
    assert changed(before, tenant_rows(other)) == []
    assert fake_oa_web.published_menu(fake.app, "wx00000000000000b2")["button"][0]["name"] == "咖啡馆"
    assert fake_oa_web.published_menu(fake.app, account.app_id) == MENU


def test_saving_the_account_in_settings_keeps_the_web_login_settings(owner, account, fake):
    client = log_in(owner)
    client.post(URL, {"action": "settings", "userinfo": "on", "web_domains": "brand.example.com"})
    form_data = {
        "app_id": account.app_id,
        "name": "茶园服务号",
        "oa_type": "service",
        "original_id": "gh_0123456789ab",
        "secret_app_secret": "",
        "secret_token": "",
        "secret_encoding_aes_key": "",
        "is_active": "on",
    }
    response = client.post("/console/settings/wechat/official_account/", form_data)
    assert response.status_code == 302, response.content[:800]
    account.refresh_from_db()
    assert account.config == {
        "oa_type": "service",
        "original_id": "gh_0123456789ab",
        "oauth_userinfo": True,
        "web_domains": ["brand.example.com"],
    }
