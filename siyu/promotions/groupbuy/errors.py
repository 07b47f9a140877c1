from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class GroupBuyNotLive(SiyuError):
    """Raised when a team is opened or joined outside its window, or while it is paused or ended."""

    code = "group_buy_not_live"
    status = 409
    message = _("This group buy is not running.")


class GroupBuySkuInvalid(SiyuError):
    """Raised when a SKU is not part of the group buy, or a team is joined with another team's SKU rules."""

    code = "group_buy_sku_invalid"
    message = _("This item is not part of the group buy.")


class GroupBuyQuantityInvalid(SiyuError):
    """Raised when a member asks for more units than the activity allows per member."""

    code = "group_buy_quantity_invalid"
    message = _("Too many units for one group member.")


class GroupBuyPickupOnly(SiyuError):
    """Raised when a pickup-only group buy is ordered for delivery."""

    code = "group_buy_pickup_only"
    message = _("This group buy is for self-pickup at an outlet only.")


class TeamNotJoinable(SiyuError):
    """Raised when a team is joined before its leader paid, after it formed, failed or expired."""

    code = "team_not_joinable"
    status = 409
    message = _("This group is not open for joining.")


class TeamFull(SiyuError):
    """Raised when every seat of a team is taken."""

    code = "team_full"
    status = 409
    message = _("This group is full.")


class AlreadyInTeam(SiyuError):
    """Raised when a customer joins a team they are in, or a second open team of the same group buy."""

    code = "already_in_team"
    status = 409
    message = _("You are already in an open group of this group buy.")


class GroupBuyPriceInvalid(SiyuError):
    """Raised when a group price is not below the SKU's price or a leader price is above the group price."""

    code = "group_buy_price_invalid"
    message = _("The group price must be below the item's price, and the leader price no higher.")


class GroupBuyLocked(SiyuError):
    """Raised when size, SKUs, prices or lottery settings are edited after the first team opened."""

    code = "group_buy_locked"
    status = 409
    message = _("Size, items, prices and the lottery cannot change once a group has opened.")
