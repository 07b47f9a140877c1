from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "siyu.events"
    label = "events"
    verbose_name = _("Behaviour events")

    def ready(self) -> None:
        from siyu.events import receivers
        from siyu.orders import signals
        from siyu.orders.models import Order

        signals.order_placed.connect(receivers.on_order_placed, sender=Order, dispatch_uid="events.placed")
        signals.order_paid.connect(receivers.on_order_paid, sender=Order, dispatch_uid="events.paid")
        signals.order_refunded.connect(
            receivers.on_order_refunded, sender=Order, dispatch_uid="events.refunded"
        )
