from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class BargainNotLive(SiyuError):
    """Raised when a bargain is started or helped outside its window, or while it is paused or ended."""

    code = "bargain_not_live"
    status = 409
    message = _("This bargain is not running.")


class BargainRangeInvalid(SiyuError):
    """Raised when the floor price is not below the start price by at least 1 fen per helper."""

    code = "bargain_range_invalid"
    message = _("The floor price must be below the item's price by at least 1 fen per helper.")


class BargainInProgress(SiyuError):
    """Raised when a customer starts a bargain while one of theirs for the same activity is still open."""

    code = "bargain_in_progress"
    status = 409
    message = _("You already have this bargain going.")


class BargainLimitReached(SiyuError):
    """Raised when a customer has already bought through this bargain as often as allowed."""

    code = "bargain_limit_reached"
    status = 409
    message = _("You have already used this bargain.")


class BargainSelfHelp(SiyuError):
    """Raised when a customer tries to help their own bargain."""

    code = "bargain_self_help"
    status = 409
    message = _("Ask a friend: you cannot help your own bargain.")


class BargainAlreadyHelped(SiyuError):
    """Raised when a customer helps the same bargain record a second time."""

    code = "bargain_already_helped"
    status = 409
    message = _("You have already helped this bargain.")


class BargainClosed(SiyuError):
    """Raised when a record that reached its floor, expired or was ordered is helped."""

    code = "bargain_closed"
    status = 409
    message = _("This bargain no longer needs help.")


class BargainNotReady(SiyuError):
    """Raised when a record is bought before it reached its floor price, after it expired, or twice."""

    code = "bargain_not_ready"
    status = 409
    message = _("This bargain cannot be bought now.")


class BargainSoldOut(SiyuError):
    """Raised when the activity's order quota is used up."""

    code = "bargain_sold_out"
    status = 409
    message = _("This bargain is sold out.")


class BargainLocked(SiyuError):
    """Raised when the SKU, prices or helpers of a bargain are edited after the first record started."""

    code = "bargain_locked"
    status = 409
    message = _("The item, prices and helpers cannot change once a bargain has started.")
