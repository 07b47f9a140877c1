"""The section schema: one pydantic model per section kind, and the links sections carry.

``parse_sections`` turns stored or submitted JSON into typed sections (or ``InvalidSections``
naming each bad field); ``dump_sections`` turns them back into the JSON a ``PageVersion`` stores.
The schema checks shape only (types, bounds, which fields a choice needs); whether a link's target
is this merchant's is ``links.check_links``'s job, as it needs the database.

Every section has an ``id`` (a short random token, made here when missing) so the editor can move,
edit and remove one without counting positions.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from siyu.catalog.models import ProductRole
from siyu.decoration import richtext
from siyu.decoration.errors import InvalidSections

MAX_SECTIONS = 30
MAX_SLIDES = 8
# The playbooks an activity link or strip can name (the storefront's 活动 kinds).
ACTIVITY_KINDS = ("flash_sale", "group_buy", "bargain", "presale", "assist", "split", "lottery", "blind_box")
ACTIVITY_LABELS = {
    "flash_sale": pgettext_lazy("activity", "Flash sale"),
    "group_buy": _("Group buy"),
    "bargain": _("Bargain"),
    "presale": _("Presale"),
    "assist": _("Friend assist"),
    "split": _("Friend split"),
    "lottery": _("Pay and draw"),
    "blind_box": _("Blind box"),
}
ActivityKind = Literal[
    "flash_sale", "group_buy", "bargain", "presale", "assist", "split", "lottery", "blind_box"
]
PositiveId = Annotated[int, Field(ge=1, le=2**63 - 1)]
SLUG_PATTERN = r"^[a-z][a-z0-9-]{0,39}$"
Slug = Annotated[str, Field(pattern=SLUG_PATTERN)]


def _image_url(value: str) -> str:
    """An https URL or a path on this site (where uploaded media are served); "" for none yet."""
    if value == "":
        return value
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.netloc:
        return value
    if not parts.scheme and not parts.netloc and value.startswith("/") and not value.startswith("//"):
        return value
    raise ValueError("an image URL starts with https:// or /")


ImageUrl = Annotated[str, Field(max_length=500), AfterValidator(_image_url)]


def _shop_path(value: str) -> str:
    """A page of the shop as a path after ``/shop/<merchant>/``, e.g. ``coupons/`` or ``search/?q=tea``."""
    parts = urlsplit(value)
    if (
        parts.scheme
        or parts.netloc
        or value.startswith("/")
        or "\\" in value
        or ".." in parts.path.split("/")
        or "//" in value
    ):
        raise ValueError("a path inside the shop, like coupons/")
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class ProductLink(Strict):
    to: Literal["product"]
    id: PositiveId


class CategoryLink(Strict):
    to: Literal["category"]
    id: PositiveId


class ActivityLink(Strict):
    to: Literal["activity"]
    activity: ActivityKind
    id: PositiveId


class PageLink(Strict):
    to: Literal["page"]
    slug: Slug


class PathLink(Strict):
    to: Literal["path"]
    path: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_shop_path)]


LINK_KINDS = ("product", "category", "activity", "page", "path")
Link = Annotated[ProductLink | CategoryLink | ActivityLink | PageLink | PathLink, Field(discriminator="to")]


class Section(Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9]{1,12}$")] = ""
    kind: str = ""  # each kind narrows it to its own literal, the union's tag


class Slide(Strict):
    image: ImageUrl
    link: Link | None = None
    title: Annotated[str, Field(max_length=40)] = ""


class Banner(Section):
    """A carousel of images, each optionally linking into the shop."""

    kind: Literal["banner"] = "banner"
    slides: Annotated[list[Slide], Field(max_length=MAX_SLIDES)] = []


class ProductGrid(Section):
    """Products in 2 or 3 columns: those playing a role, of a category, picked by hand, or the newest."""

    kind: Literal["products"] = "products"
    title: Annotated[str, Field(max_length=30)] = ""
    source: Literal["role", "category", "manual", "all"] = "all"
    role: ProductRole | None = None
    category_id: PositiveId | None = None
    product_ids: Annotated[list[PositiveId], Field(max_length=50)] = []
    columns: Literal[2, 3] = 2
    limit: Annotated[int, Field(ge=1, le=20)] = 6

    @model_validator(mode="after")
    def _source_needs(self) -> ProductGrid:
        if self.source == "role" and self.role is None:
            raise ValueError("a product grid by role names the role")
        if self.source == "category" and self.category_id is None:
            raise ValueError("a product grid by category names the category")
        if self.source == "manual" and not self.product_ids:
            raise ValueError("a hand-picked product grid names at least one product")
        if len(set(self.product_ids)) != len(self.product_ids):
            raise ValueError("a product is picked twice")
        # Keep only what the source uses, so a stored grid says one thing.
        return self.model_copy(
            update={
                "role": self.role if self.source == "role" else None,
                "category_id": self.category_id if self.source == "category" else None,
                "product_ids": self.product_ids if self.source == "manual" else [],
            }
        )


class CouponStrip(Section):
    """Coupons claimable in the coupon centre: the ones picked, or the newest."""

    kind: Literal["coupons"] = "coupons"
    title: Annotated[str, Field(max_length=30)] = ""
    template_ids: Annotated[list[PositiveId], Field(max_length=20)] = []
    limit: Annotated[int, Field(ge=1, le=10)] = 4


class ActivityStrip(Section):
    """Activities running now (of the playbooks named, or all), ending soonest first."""

    kind: Literal["activities"] = "activities"
    title: Annotated[str, Field(max_length=30)] = ""
    kinds: Annotated[list[ActivityKind], Field(max_length=len(ACTIVITY_KINDS))] = []
    limit: Annotated[int, Field(ge=1, le=10)] = 4

    @model_validator(mode="after")
    def _unique(self) -> ActivityStrip:
        if len(set(self.kinds)) != len(self.kinds):
            raise ValueError("a playbook is named twice")
        return self


class Notice(Section):
    """One line of news across the page (公告), optionally a link."""

    kind: Literal["notice"] = "notice"
    text: Annotated[str, Field(max_length=120)] = ""
    link: Link | None = None


class ImageAd(Section):
    """One image, optionally a link."""

    kind: Literal["image"] = "image"
    image: ImageUrl = ""
    alt: Annotated[str, Field(max_length=60)] = ""
    link: Link | None = None


class RichText(Section):
    """Text with simple formatting, cleaned by ``richtext.clean``."""

    kind: Literal["richtext"] = "richtext"
    html: Annotated[str, Field(max_length=20_000), AfterValidator(richtext.clean)] = ""


AnySection = Annotated[
    Banner | ProductGrid | CouponStrip | ActivityStrip | Notice | ImageAd | RichText,
    Field(discriminator="kind"),
]
SECTION_TYPES: dict[str, type[Section]] = {
    "banner": Banner,
    "products": ProductGrid,
    "coupons": CouponStrip,
    "activities": ActivityStrip,
    "notice": Notice,
    "image": ImageAd,
    "richtext": RichText,
}
_SECTIONS = TypeAdapter(list[AnySection])


def _where(loc: tuple[Any, ...]) -> tuple[int | None, str]:
    """(section index, dotted field path) of a pydantic error location; the union's tag is dropped."""
    if not loc or not isinstance(loc[0], int):
        return None, ".".join(str(p) for p in loc)
    rest = list(loc[1:])
    if rest and rest[0] in SECTION_TYPES:
        rest = rest[1:]
    # Links are a union too: drop their tag ("link.product.id" -> "link.id").
    path = [str(p) for i, p in enumerate(rest) if not (i and rest[i - 1] == "link" and p in LINK_KINDS)]
    return loc[0], ".".join(path)


def parse_sections(raw: Any) -> list[Section]:
    """Typed sections from JSON, each with an id; ``InvalidSections`` lists every bad field."""
    if not isinstance(raw, list):
        raise InvalidSections(detail=[{"section": None, "field": "", "error": "a list of sections"}])
    if len(raw) > MAX_SECTIONS:
        raise InvalidSections(
            detail=[{"section": None, "field": "", "error": f"at most {MAX_SECTIONS} sections"}]
        )
    try:
        sections: list[Section] = list(_SECTIONS.validate_python(raw))
    except ValidationError as exc:
        detail = []
        for err in exc.errors(include_url=False):
            index, field = _where(tuple(err["loc"]))
            detail.append({"section": index, "field": field, "error": err["msg"]})
        raise InvalidSections(detail=detail) from None
    seen: set[str] = set()
    result = []
    for index, section in enumerate(sections):
        if section.id in seen:
            raise InvalidSections(detail=[{"section": index, "field": "id", "error": "the id is used twice"}])
        if not section.id:
            section = section.model_copy(update={"id": new_section_id(seen)})
        seen.add(section.id)
        result.append(section)
    return result


def new_section_id(taken: set[str] | None = None) -> str:
    while True:
        candidate = secrets.token_hex(4)
        if not taken or candidate not in taken:
            return candidate


def dump_sections(sections: list[Section]) -> list[dict[str, Any]]:
    """The JSON a version stores: every field, links as objects."""
    return [s.model_dump(mode="json") for s in sections]


def new_section(kind: str, taken: set[str]) -> Section:
    """A section of ``kind`` with its defaults: shown on the page once the merchant fills it in."""
    return SECTION_TYPES[kind](id=new_section_id(taken))
