from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "siyu.promotions"
    label = "promotions"
    verbose_name = _("Promotions")

    def ready(self) -> None:
        from siyu.events import event_hooks
        from siyu.members import hooks as customer_hooks
        from siyu.orders import hooks
        from siyu.promotions.hooks import CouponHooks
        from siyu.promotions.services.triggers import EventTriggerHooks, RegisterTriggerHooks

        hooks.register(CouponHooks(), order=40)
        event_hooks.register(EventTriggerHooks(), order=40)
        customer_hooks.register(RegisterTriggerHooks(), order=40)
