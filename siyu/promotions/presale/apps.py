from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PresaleConfig(AppConfig):
    name = "siyu.promotions.presale"
    label = "presale"
    verbose_name = _("Presales")

    def ready(self) -> None:
        from siyu.catalog import carriers
        from siyu.orders import hooks
        from siyu.promotions.activities import register
        from siyu.promotions.presale.hooks import PresaleHooks
        from siyu.promotions.presale.models import Presale
        from siyu.promotions.presale.providers import BalanceProvider, DepositProvider

        carriers.register("presale", lambda: Presale.objects.values("deposit_sku_id"))
        register(DepositProvider())
        register(BalanceProvider())
        hooks.register(PresaleHooks(), order=90)
