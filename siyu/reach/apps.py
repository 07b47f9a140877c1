from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReachConfig(AppConfig):
    name = "siyu.reach"
    label = "reach"
    verbose_name = _("Reach")

    def ready(self) -> None:
        # Each channel adapter registers itself on import (siyu/reach/channels/__init__.py).
        from siyu.reach import channels

        channels.load_adapters()
