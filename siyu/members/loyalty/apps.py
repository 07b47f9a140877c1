from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "siyu.members.loyalty"
    label = "loyalty"
    verbose_name = _("Membership and points")

    def ready(self) -> None:
        from siyu.members.loyalty.hooks import LoyaltyHooks
        from siyu.orders import hooks

        hooks.register(LoyaltyHooks(), order=10)
