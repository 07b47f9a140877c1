"""Refusals of the assist, split, lottery and blind-box playbooks."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class CampaignNotRunning(SiyuError):
    """Raised when a customer acts on a campaign that is paused, ended, or outside its time window."""

    code = "campaign_not_running"
    status = 409
    message = _("This campaign is not running.")


class CampaignRewardsGone(SiyuError):
    """Raised when a campaign's reward stock is used up, so no new record or team may start."""

    code = "campaign_rewards_gone"
    status = 409
    message = _("All rewards of this campaign have been given out.")


class AssistAlreadyStarted(SiyuError):
    """Raised when a customer starts a second record in a campaign while one is ongoing or unlocked."""

    code = "assist_already_started"
    status = 409
    message = _("You have already started this assist.")


class AssistSelfHelp(SiyuError):
    """Raised when the initiator of an assist record tries to help it."""

    code = "assist_self_help"
    status = 409
    message = _("You cannot help your own assist. Share it with a friend.")


class AssistAlreadyHelped(SiyuError):
    """Raised when a helper helps the same record a second time."""

    code = "assist_already_helped"
    status = 409
    message = _("You have already helped this friend.")


class AssistClosed(SiyuError):
    """Raised when a help arrives for a record that is already unlocked or expired."""

    code = "assist_closed"
    status = 409
    message = _("This assist is already complete or has expired.")


class NewCustomersOnly(SiyuError):
    """Raised when a customer who has paid an order before joins a campaign meant for new customers."""

    code = "new_customers_only"
    status = 409
    message = _("Only new customers can take part.")


class TeamAlreadyJoined(SiyuError):
    """Raised when a customer starts or joins a second live team in the same split campaign."""

    code = "team_already_joined"
    status = 409
    message = _("You are already in a team of this campaign.")


class TeamClosed(SiyuError):
    """Raised when a customer joins a team that is already full or has expired."""

    code = "team_closed"
    status = 409
    message = _("This team is already full or has expired.")


class DrawUnavailable(SiyuError):
    """Raised when a customer draws with a chance that was used, voided or has lapsed."""

    code = "draw_unavailable"
    status = 409
    message = _("This draw is no longer available.")


class BoxesSoldOut(SiyuError):
    """Raised when a blind box has fewer boxes left than the order asks for."""

    code = "boxes_sold_out"
    status = 409
    message = _("Not enough blind boxes are left.")


class BoxLimitReached(SiyuError):
    """Raised when an order would take a customer past the blind box's per-customer limit."""

    code = "box_limit_reached"
    status = 409
    message = _("You have reached the limit of boxes per customer.")


class PrizePoolLocked(SiyuError):
    """Raised when staff change a blind box's prizes after boxes have been sold."""

    code = "prize_pool_locked"
    status = 409
    message = _("The prizes cannot change once boxes have been sold.")
