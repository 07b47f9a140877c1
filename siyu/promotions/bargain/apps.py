from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BargainConfig(AppConfig):
    name = "siyu.promotions.bargain"
    label = "bargain"
    verbose_name = _("Bargains")

    def ready(self) -> None:
        from siyu.orders import signals
        from siyu.orders.models import Order
        from siyu.promotions.activities import register, register_conflicts
        from siyu.promotions.bargain.provider import BargainProvider
        from siyu.promotions.bargain.selectors import live_on_skus
        from siyu.promotions.bargain.services import records

        register_conflicts("groupbuy", live_on_skus)  # the group-buy family: they refuse each other
        register(BargainProvider())
        signals.order_cancelled.connect(
            records.on_order_cancelled, sender=Order, dispatch_uid="bargain.cancelled"
        )
