"""Whether what sections point at belongs to this shop: links, picked products, categories, coupons.

A link may lead only inside the merchant's own shop: one of its products, categories, activities or
custom pages, or a page of the shop named by its path (``coupons/``, ``search/?q=tea``). Anything
else (another merchant's id, an unknown page, a URL of another site) is refused with ``BadLink``,
whose detail names every bad target with its section and field. One query per kind of target,
however many sections there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Model
from django.urls import Resolver404, resolve

from siyu.catalog.models import Category, Product
from siyu.decoration import richtext
from siyu.decoration.errors import BadLink
from siyu.decoration.models import PageKind, ShopPage
from siyu.decoration.schema import (
    ActivityLink,
    ActivityStrip,
    Banner,
    CategoryLink,
    CouponStrip,
    ImageAd,
    Notice,
    PageLink,
    PathLink,
    ProductGrid,
    ProductLink,
    RichText,
    Section,
)
from siyu.promotions.bargain.models import Bargain
from siyu.promotions.campaigns.models import AssistCampaign, DrawCampaign, SplitCampaign
from siyu.promotions.campaigns.models.draws import DrawKind
from siyu.promotions.flashsale.models import FlashSale
from siyu.promotions.groupbuy.models import GroupBuy
from siyu.promotions.models import CouponTemplate
from siyu.promotions.presale.models import Presale
from siyu.tenancy.models import Merchant

# Where an activity link's id is looked up (the storefront maps the same kinds to its pages).
ACTIVITY_MODELS: dict[str, tuple[type[Model], dict[str, Any]]] = {
    "flash_sale": (FlashSale, {}),
    "group_buy": (GroupBuy, {}),
    "bargain": (Bargain, {}),
    "presale": (Presale, {}),
    "assist": (AssistCampaign, {}),
    "split": (SplitCampaign, {}),
    "lottery": (DrawCampaign, {"kind": DrawKind.PAY_LOTTERY}),
    "blind_box": (DrawCampaign, {"kind": DrawKind.BLIND_BOX}),
}
# Shop pages a path link may name: those a shopper opens by address, without an id of their own
# (a product, category or activity has a link kind of its own, whose id is checked).
PATH_PAGES = frozenset(
    {
        "home",
        "categories",
        "search",
        "cart",
        "orders",
        "after_sales",
        "me",
        "addresses",
        "coupons",
        "my_coupons",
        "flash_sales",
        "campaigns",
    }
)


@dataclass(frozen=True)
class Target:
    """One thing a section points at, and where in the page it is."""

    section: int
    field: str
    kind: str  # product, category, activity:<kind>, page, path, coupon, shop_path
    key: Any  # an id, a slug or a path

    def as_dict(self) -> dict[str, Any]:
        return {"section": self.section, "field": self.field, "target": f"{self.kind}:{self.key}"}


def _link(index: int, field: str, link: Any) -> Iterator[Target]:
    if isinstance(link, ProductLink):
        yield Target(index, field, "product", link.id)
    elif isinstance(link, CategoryLink):
        yield Target(index, field, "category", link.id)
    elif isinstance(link, ActivityLink):
        yield Target(index, field, f"activity:{link.activity}", link.id)
    elif isinstance(link, PageLink):
        yield Target(index, field, "page", link.slug)
    elif isinstance(link, PathLink):
        yield Target(index, field, "path", link.path)


def targets(sections: list[Section]) -> Iterator[Target]:
    """Every link and picked item of the sections, in page order."""
    for index, section in enumerate(sections):
        if isinstance(section, Banner):
            for n, slide in enumerate(section.slides):
                yield from _link(index, f"slides.{n}.link", slide.link)
        elif isinstance(section, (Notice, ImageAd)):
            yield from _link(index, "link", section.link)
        elif isinstance(section, ProductGrid):
            if section.category_id is not None:
                yield Target(index, "category_id", "category", section.category_id)
            for product_id in section.product_ids:
                yield Target(index, "product_ids", "product", product_id)
        elif isinstance(section, CouponStrip):
            for template_id in section.template_ids:
                yield Target(index, "template_ids", "coupon", template_id)
        elif isinstance(section, RichText):
            for href in richtext.hrefs(section.html):
                yield Target(index, "html", "shop_path", href)
        elif isinstance(section, ActivityStrip):
            pass  # names playbooks, not rows: the schema checked them


def path_is_shop_page(merchant: Merchant, path: str) -> bool:
    """Whether ``/shop/<merchant>/<path>`` is a page of the shop a link may open."""
    try:
        match = resolve(f"/shop/{merchant.slug}/{path.split('?', 1)[0]}")
    except Resolver404:
        return False
    return (
        match.namespace == "storefront"
        and match.kwargs.get("merchant") == merchant.slug
        and match.url_name in PATH_PAGES
    )


def _custom_page_slug(merchant: Merchant, href: str) -> str | None:
    """The slug of a rich-text link to a custom page of the shop, if it is one."""
    prefix = f"/shop/{merchant.slug}/p/"
    if not href.startswith(prefix):
        return None
    rest = href[len(prefix) :].split("?", 1)[0].strip("/")
    return rest if rest and "/" not in rest and not rest.isdigit() else None


def check_links(merchant: Merchant, sections: list[Section]) -> None:
    """Refuse with ``BadLink`` unless every target of the sections is this merchant's."""
    found = list(targets(sections))
    wanted: dict[str, set[Any]] = {}
    for t in found:
        wanted.setdefault(t.kind, set()).add(t.key)
    known: dict[str, set[Any]] = {}
    if "product" in wanted:
        known["product"] = set(
            Product.objects.for_merchant(merchant)
            .filter(pk__in=wanted["product"])
            .values_list("pk", flat=True)
        )
    if "category" in wanted:
        known["category"] = set(
            Category.objects.for_merchant(merchant)
            .filter(pk__in=wanted["category"])
            .values_list("pk", flat=True)
        )
    if "coupon" in wanted:
        known["coupon"] = set(
            CouponTemplate.objects.for_merchant(merchant)
            .filter(pk__in=wanted["coupon"])
            .values_list("pk", flat=True)
        )
    page_slugs = set(wanted.get("page", set()))
    for href in wanted.get("shop_path", set()):
        slug = _custom_page_slug(merchant, href)
        if slug:
            page_slugs.add(slug)
    if page_slugs:
        known["page"] = set(
            ShopPage.objects.for_merchant(merchant)
            .filter(kind=PageKind.CUSTOM, slug__in=page_slugs)
            .values_list("slug", flat=True)
        )
    for kind, (model, filters) in ACTIVITY_MODELS.items():
        key = f"activity:{kind}"
        if key in wanted:
            rows = model._default_manager.filter(merchant=merchant, pk__in=wanted[key], **filters)
            known[key] = set(rows.values_list("pk", flat=True))
    bad = [t for t in found if not _known(merchant, t, known)]
    if bad:
        raise BadLink(detail=[t.as_dict() for t in bad])


def _known(merchant: Merchant, target: Target, known: dict[str, set[Any]]) -> bool:
    if target.kind == "path":
        return path_is_shop_page(merchant, target.key)
    if target.kind == "shop_path":
        prefix = f"/shop/{merchant.slug}/"
        if not target.key.startswith(prefix):
            return False
        slug = _custom_page_slug(merchant, target.key)
        if slug is not None:
            return slug in known.get("page", set())
        return path_is_shop_page(merchant, target.key[len(prefix) :])
    return target.key in known.get(target.kind, set())
