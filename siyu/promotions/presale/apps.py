from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PresaleConfig(AppConfig):
    name = "siyu.promotions.presale"
    label = "presale"
    verbose_name = _("Presales")

    def ready(self) -> None:
        from siyu.catalog import carriers
        from siyu.orders import hooks
        from siyu.promotions.activities import register, register_conflicts
        from siyu.promotions.presale.hooks import PresaleHooks
        from siyu.promotions.presale.models import Presale
        from siyu.promotions.presale.providers import BalanceProvider, DepositProvider
        from siyu.promotions.presale.selectors import live_on_skus

        carriers.register("presale", lambda: Presale.objects.values("deposit_sku_id"))
        register_conflicts("campaigns", live_on_skus)  # the campaigns' family: they refuse each other
        register(DepositProvider())
        register(BalanceProvider())
        hooks.register(PresaleHooks(), order=90)
