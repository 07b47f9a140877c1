from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupBuyConfig(AppConfig):
    name = "siyu.promotions.groupbuy"
    label = "groupbuy"
    verbose_name = _("Group buys")

    def ready(self) -> None:
        from siyu.orders import hooks
        from siyu.promotions.activities import register, register_conflicts
        from siyu.promotions.groupbuy.hooks import GroupBuyHooks
        from siyu.promotions.groupbuy.provider import GroupBuyProvider
        from siyu.promotions.groupbuy.selectors import live_on_skus

        register_conflicts("groupbuy", live_on_skus)  # a family with bargains

        register(GroupBuyProvider())
        hooks.register(GroupBuyHooks(), order=60)
