from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ValuesConfig(AppConfig):
    name = "siyu.audience.values"
    label = "values"
    verbose_name = _("Customer value models")

    def ready(self) -> None:
        from siyu.audience.values import receivers

        receivers.connect()
