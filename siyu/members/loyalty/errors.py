from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class LoyaltyNotEnabled(SiyuError):
    """Raised when a customer checks in or staff adjust points while the shop runs no programme."""

    code = "loyalty_not_enabled"
    status = 409
    message = _("The membership programme is not available in this shop.")


class PointsInsufficient(SiyuError):
    """Raised when points are spent or taken away beyond the balance (e.g. a concurrent order spent them)."""

    code = "points_insufficient"
    status = 409
    message = _("Your points balance is not enough for this. Please check it and try again.")


class TierInUse(SiyuError):
    """Raised when staff delete a tier that members hold or that a later tier change names."""

    code = "tier_in_use"
    status = 409
    message = _("This tier has members and cannot be deleted.")


class TierConflict(SiyuError):
    """Raised when a tier's code or rank is taken, or its threshold does not rise with its rank."""

    code = "tier_conflict"
    status = 409
    message = _("Tiers must have distinct codes and ranks, and thresholds that rise with the rank.")


class PointsGrantOverLimit(SiyuError):
    """Raised when staff grant more points than their role may, in one adjustment or in one day."""

    code = "points_grant_over_limit"
    status = 403
    message = _("That is more points than your role may grant. Ask an operator or the owner to grant them.")


class GrowthInsufficient(SiyuError):
    """Raised when staff take away more growth than the member has."""

    code = "growth_insufficient"
    status = 409
    message = _("The member does not have that much growth to take away.")
