"""The menu rules mirror WeChat's ``menu/create`` limits, each refusal with WeChat's errcode."""

from __future__ import annotations

from django.utils import translation

from siyu.wechat.oa_web import menu

HOSTS = frozenset({"shop.example.com", "brand.example.com"})


def check(buttons):
    return [(p.path, p.errcode) for p in menu.problems({"button": buttons}, allowed_hosts=HOSTS)]


def click(name="新品", key="NEW"):
    return {"type": "click", "name": name, "key": key}


def view(name="商城", url="https://shop.example.com/shop/tea/"):
    return {"type": "view", "name": name, "url": url}


def test_a_full_menu_of_three_by_five_passes():
    buttons = [
        {"name": f"菜单{i}", "sub_button": [click(f"子菜单{j}", f"K{i}{j}") for j in range(5)]}
        for i in range(3)
    ]
    assert check(buttons) == []


def test_button_counts():
    assert check([]) == [("button", 40016)]
    assert check([click()] * 4) == [("button", 40016)]
    assert check([{"name": "更多", "sub_button": [click()] * 6}]) == [("button.0.sub_button", 40023)]


def test_names_are_measured_in_utf8_bytes():
    five, six = "一二三四五", "一二三四五六"  # 15 and 18 bytes
    assert check([click(five)]) == []
    assert check([click(six)]) == [("button.0.name", 40018)]
    assert check([click("abcdefghijklmnop")]) == []  # 16 ASCII bytes
    assert check([click("")]) == [("button.0.name", 40018)]
    twenty, twenty_one = "字" * 20, "字" * 21  # 60 and 63 bytes
    assert check([{"name": "更多", "sub_button": [click(twenty)]}]) == []
    assert check([{"name": "更多", "sub_button": [click(twenty_one)]}]) == [
        ("button.0.sub_button.0.name", 40025)
    ]


def test_each_type_needs_its_target():
    assert check([{"type": "scancode_push", "name": "扫码", "key": "S"}]) == [("button.0.type", 40017)]
    assert check([click(key="")]) == [("button.0.key", 40019)]
    assert check([click(key="k" * 129)]) == [("button.0.key", 40019)]
    assert check([view(url="")]) == [("button.0.url", 40020)]
    assert check([view(url="https://shop.example.com/" + "a" * 1000)]) == [("button.0.url", 40020)]
    sub = {"name": "更多", "sub_button": [{"type": "", "name": "x"}, click("y", key=""), view("z", url="")]}
    assert check([sub]) == [
        ("button.0.sub_button.0.type", 40024),
        ("button.0.sub_button.1.key", 40026),
        ("button.0.sub_button.2.url", 40027),
    ]


def test_links_stay_on_allowed_hosts():
    assert check([view(url="https://brand.example.com/story")]) == []
    assert check([view(url="https://evil.example.net/")]) == [("button.0.url", 40055)]
    assert check([view(url="javascript:alert(1)")]) == [("button.0.url", 40055)]
    sub = {"name": "更多", "sub_button": [view("外链", "http://evil.example.net/")]}
    assert check([sub]) == [("button.0.sub_button.0.url", 40054)]


def test_miniprogram_buttons_need_appid_page_and_fallback_url():
    good = {
        "type": "miniprogram",
        "name": "小程序",
        "appid": "wx1234567890abcdef",
        "pagepath": "pages/index/index",
        "url": "https://shop.example.com/shop/tea/",
    }
    assert check([good]) == []
    assert check([{**good, "appid": "gh_123"}]) == [("button.0.appid", 40013)]
    assert check([{**good, "pagepath": ""}]) == [("button.0.pagepath", 40165)]
    assert check([{**good, "url": ""}]) == [("button.0.url", 40020)]


def test_clean_keeps_only_what_wechat_reads():
    dirty = {
        "button": [
            {"name": " 更多 ", "type": "click", "key": "LEFTOVER", "sub_button": [{**click(), "url": "x"}]},
            {**view(), "key": "ignored", "appid": "wx"},
        ]
    }
    assert menu.clean(dirty) == {
        "button": [
            {"name": "更多", "sub_button": [{"type": "click", "name": "新品", "key": "NEW"}]},
            {"type": "view", "name": "商城", "url": "https://shop.example.com/shop/tea/"},
        ]
    }


def test_errcodes_read_in_words():
    with translation.override("en"):
        assert menu.errcode_text(40018) == "A top button's name is at most 16 bytes (5 Chinese characters)."
    with translation.override("zh-hans"):
        assert menu.errcode_text(40018) == "一级菜单名称最多 16 字节（5 个汉字）。"
    assert menu.errcode_text(99999, "odd") == "99999 odd"
