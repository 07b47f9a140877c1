from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupBuyConfig(AppConfig):
    name = "siyu.promotions.groupbuy"
    label = "groupbuy"
    verbose_name = _("Group buys")

    def ready(self) -> None:
        from siyu.orders import signals
        from siyu.orders.models import Order
        from siyu.promotions.activities import register, register_conflicts
        from siyu.promotions.groupbuy.provider import GroupBuyProvider
        from siyu.promotions.groupbuy.selectors import live_on_skus
        from siyu.promotions.groupbuy.services import teams

        register_conflicts("groupbuy", live_on_skus)  # a family with bargains

        register(GroupBuyProvider())
        signals.order_paid.connect(teams.on_order_paid, sender=Order, dispatch_uid="groupbuy.paid")
        signals.order_cancelled.connect(
            teams.on_order_cancelled, sender=Order, dispatch_uid="groupbuy.cancelled"
        )
        signals.order_closed.connect(teams.on_order_closed, sender=Order, dispatch_uid="groupbuy.closed")
