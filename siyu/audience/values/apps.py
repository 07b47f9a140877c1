from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValuesConfig(AppConfig):
    name = "siyu.audience.values"
    label = "values"
    verbose_name = _("Customer value models")

    def ready(self) -> None:
        from siyu.audience.values.event_hooks import ValueEventHooks
        from siyu.audience.values.hooks import ValueHooks
        from siyu.events import event_hooks
        from siyu.orders import hooks

        hooks.register(ValueHooks(), order=30)
        event_hooks.register(ValueEventHooks(), order=30)
