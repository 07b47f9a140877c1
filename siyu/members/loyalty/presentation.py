"""A tier's benefits and upgrade gift as a person reads them, for the console and the H5 member page.

The tier's coupon templates are read from the tier (``birthday_template``, ``upgrade_template``):
callers load tiers with them joined (``selectors.tiers_with_counts``, ``selectors.shop_tiers``).
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from siyu.members.loyalty.models import FULL_RATE, MemberTier


def discount_text(discount_bp: int) -> str:
    """The share members pay as a discount: 9折 in Chinese, "10% off" otherwise; "" for none.

    折 counts what is paid (9折 = pay 90%), a Chinese notion with no English word, so the English
    page says what is taken off instead.
    """
    if discount_bp >= FULL_RATE:
        return ""
    if (get_language() or "").startswith("zh"):
        return f"{discount_bp / 1000:g}折"
    return _("%(percent)s%% off") % {"percent": f"{(FULL_RATE - discount_bp) / 100:g}"}


def multiplier_text(multiplier_bp: int) -> str:
    """15000 -> 1.5×."""
    return f"{multiplier_bp / FULL_RATE:g}×"


def benefits(tier: MemberTier) -> list[str]:
    """What holding the tier gives, one line each (empty when it gives nothing beyond membership)."""
    lines = []
    if tier.discount_bp < FULL_RATE:
        lines.append(_("Member price %(discount)s") % {"discount": discount_text(tier.discount_bp)})
    if tier.free_shipping:
        lines.append(_("Free shipping on every order"))
    if tier.points_multiplier_bp != FULL_RATE:
        lines.append(_("%(times)s points on orders") % {"times": multiplier_text(tier.points_multiplier_bp)})
    if tier.birthday_template is not None:
        lines.append(_("Birthday coupon: %(title)s") % {"title": tier.birthday_template.title})
    return lines


def upgrade_gift(tier: MemberTier) -> list[str]:
    """What reaching the tier gives once (升级礼): points and a coupon."""
    lines = []
    if tier.upgrade_points:
        lines.append(_("%(points)d points") % {"points": tier.upgrade_points})
    if tier.upgrade_template is not None:
        lines.append(_("Coupon: %(title)s") % {"title": tier.upgrade_template.title})
    return lines
