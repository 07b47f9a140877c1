"""The section schema: every kind accepted in its shape, bad fields named, rich text cleaned, and
links only to this shop's own products, categories, activities, coupons and pages."""

from __future__ import annotations

import pytest

from siyu.catalog.services import create_category
from siyu.decoration.errors import BadLink, InvalidSections
from siyu.decoration.links import check_links
from siyu.decoration.schema import dump_sections, parse_sections
from siyu.testing import factories

EVERY_KIND = [
    {
        "id": "b1",
        "kind": "banner",
        "slides": [
            {"image": "https://img.example.com/a.jpg", "title": "新品", "link": {"to": "product", "id": 7}},
            {"image": "/media/b.jpg", "link": {"to": "path", "path": "coupons/"}},
        ],
    },
    {
        "id": "g1",
        "kind": "products",
        "title": "热卖",
        "source": "role",
        "role": "hot_item",
        "columns": 3,
        "limit": 9,
    },
    {"id": "c1", "kind": "coupons", "title": "领券", "template_ids": [3, 4], "limit": 2},
    {"id": "a1", "kind": "activities", "kinds": ["flash_sale", "group_buy"], "limit": 3},
    {
        "id": "n1",
        "kind": "notice",
        "text": "满99包邮",
        "link": {"to": "activity", "activity": "bargain", "id": 2},
    },
    {"id": "i1", "kind": "image", "image": "https://img.example.com/ad.png", "alt": "广告", "link": None},
    {"id": "r1", "kind": "richtext", "html": "<h3>关于我们</h3><p>一家<b>茶</b>店</p>"},
]


def test_every_kind_parses_and_dumps_back_to_what_was_given():
    sections = parse_sections(EVERY_KIND)

    assert [s.kind for s in sections] == [
        "banner",
        "products",
        "coupons",
        "activities",
        "notice",
        "image",
        "richtext",
    ]
    dumped = dump_sections(sections)
    assert dumped[0] == {
        "id": "b1",
        "kind": "banner",
        "slides": [
            {"image": "https://img.example.com/a.jpg", "title": "新品", "link": {"to": "product", "id": 7}},
            {"image": "/media/b.jpg", "title": "", "link": {"to": "path", "path": "coupons/"}},
        ],
    }
    assert dumped[1] == {
        "id": "g1",
        "kind": "products",
        "title": "热卖",
        "source": "role",
        "role": "hot_item",
        "category_id": None,
        "product_ids": [],
        "columns": 3,
        "limit": 9,
    }
    assert parse_sections(dumped) == sections


def test_a_section_without_an_id_is_given_one_and_a_grid_keeps_only_what_its_source_uses():
    (grid,) = parse_sections(
        [{"kind": "products", "source": "manual", "product_ids": [5, 3], "role": "flagship"}]
    )

    assert len(grid.id) == 8
    assert (grid.product_ids, grid.role, grid.category_id) == ([5, 3], None, None)


@pytest.mark.parametrize(
    ("section", "field", "error"),
    [
        ({"kind": "banner", "slides": [{"image": "javascript:alert(1)"}]}, "slides.0.image", "https://"),
        ({"kind": "banner", "slides": [{"image": "//evil.example.com/x.png"}]}, "slides.0.image", "https://"),
        ({"kind": "banner", "slides": [{"image": "/a.png"}] * 9}, "slides", "at most 8"),
        ({"kind": "products", "source": "role"}, "", "names the role"),
        ({"kind": "products", "source": "category"}, "", "names the category"),
        ({"kind": "products", "source": "manual"}, "", "at least one product"),
        ({"kind": "products", "source": "manual", "product_ids": [1, 1]}, "", "picked twice"),
        ({"kind": "products", "columns": 4}, "columns", "2 or 3"),
        ({"kind": "products", "limit": 21}, "limit", "less than or equal to 20"),
        ({"kind": "products", "source": "role", "role": "vip"}, "role", "hot_item"),
        ({"kind": "activities", "kinds": ["raffle"]}, "kinds.0", "flash_sale"),
        ({"kind": "notice", "text": "x" * 121}, "text", "at most 120"),
        (
            {"kind": "notice", "link": {"to": "path", "path": "https://evil.example.com/"}},
            "link.path",
            "inside the shop",
        ),
        ({"kind": "notice", "link": {"to": "path", "path": "/shop/other/"}}, "link.path", "inside the shop"),
        (
            {"kind": "notice", "link": {"to": "path", "path": "../../console/"}},
            "link.path",
            "inside the shop",
        ),
        ({"kind": "notice", "link": {"to": "product", "id": 0}}, "link.id", "greater than or equal to 1"),
        ({"kind": "notice", "link": {"to": "url", "url": "https://x"}}, "link", "does not match"),
        ({"kind": "image", "image": "https://x/a.png", "onclick": "x"}, "onclick", "Extra inputs"),
        ({"kind": "video"}, "", "does not match"),
    ],
)
def test_a_bad_field_is_refused_naming_the_section_and_the_field(section, field, error):
    with pytest.raises(InvalidSections) as refused:
        parse_sections([{"kind": "notice", "text": "ok"}, section])

    problem = refused.value.detail[0]
    assert (problem["section"], problem["field"]) == (1, field)
    assert error in problem["error"]


def test_more_than_30_sections_and_a_repeated_id_are_refused():
    with pytest.raises(InvalidSections):
        parse_sections([{"kind": "notice"}] * 31)
    with pytest.raises(InvalidSections) as twice:
        parse_sections([{"id": "a", "kind": "notice"}, {"id": "a", "kind": "image"}])
    assert twice.value.detail == [{"section": 1, "field": "id", "error": "the id is used twice"}]


def test_rich_text_keeps_formatting_and_drops_scripts_handlers_and_foreign_links():
    html = (
        '<p onclick="steal()">好<b>茶</b><script>alert(1)</script></p>'
        '<a href="https://evil.example.com/">外链</a><a href="/shop/tea/coupons/">领券</a>'
        '<img src="javascript:alert(1)"><img src="https://img.example.com/x.png" width="300" onerror="x()">'
        "<iframe src='https://x'>框</iframe><style>p{}</style>"
    )
    (section,) = parse_sections([{"kind": "richtext", "html": html}])

    assert section.html == (
        '<p>好<b>茶</b></p><a>外链</a><a href="/shop/tea/coupons/">领券</a>'
        '<img><img src="https://img.example.com/x.png" width="300">'
    )


@pytest.fixture
def shop(merchant, owner, make_product):
    """Two products and a category of ``tea``; a product of another shop."""
    other = factories.make_merchant("coffee")
    return {
        "tea": make_product("龙井"),
        "category": create_category(merchant=merchant, name="绿茶", acting_staff=owner),
        "foreign": factories.make_product(other, "咖啡豆", code="C1"),
        "coupon": factories.make_template(owner),
    }


def test_links_to_this_shops_products_categories_coupons_and_pages_pass(merchant, shop):
    sections = parse_sections(
        [
            {
                "kind": "banner",
                "slides": [{"image": "/a.png", "link": {"to": "product", "id": shop["tea"].pk}}],
            },
            {"kind": "products", "source": "category", "category_id": shop["category"].pk},
            {"kind": "coupons", "template_ids": [shop["coupon"].pk]},
            {"kind": "notice", "text": "搜索", "link": {"to": "path", "path": "search/?q=茶"}},
            {"kind": "richtext", "html": '<a href="/shop/tea/categories/">分类</a>'},
        ]
    )

    check_links(merchant, sections)  # no refusal


def test_every_link_outside_the_shop_is_refused_and_named(merchant, shop, django_assert_max_num_queries):
    sections = parse_sections(
        [
            {
                "kind": "banner",
                "slides": [{"image": "/a.png", "link": {"to": "product", "id": shop["foreign"].pk}}],
            },
            {"kind": "notice", "text": "x", "link": {"to": "path", "path": "checkout/"}},
            {"kind": "image", "image": "/b.png", "link": {"to": "page", "slug": "nowhere"}},
            {"kind": "notice", "text": "y", "link": {"to": "activity", "activity": "flash_sale", "id": 99}},
            {"kind": "products", "source": "manual", "product_ids": [shop["tea"].pk, shop["foreign"].pk]},
            {
                "kind": "richtext",
                "html": '<a href="/shop/coffee/">别家</a><a href="/shop/tea/p/gone/">无</a>',
            },
        ]
    )

    with django_assert_max_num_queries(4), pytest.raises(BadLink) as refused:
        check_links(merchant, sections)

    assert refused.value.detail == [
        {"section": 0, "field": "slides.0.link", "target": f"product:{shop['foreign'].pk}"},
        {"section": 1, "field": "link", "target": "path:checkout/"},
        {"section": 2, "field": "link", "target": "page:nowhere"},
        {"section": 3, "field": "link", "target": "activity:flash_sale:99"},
        {"section": 4, "field": "product_ids", "target": f"product:{shop['foreign'].pk}"},
        {"section": 5, "field": "html", "target": "shop_path:/shop/coffee/"},
        {"section": 5, "field": "html", "target": "shop_path:/shop/tea/p/gone/"},
    ]
