from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DecorationConfig(AppConfig):
    name = "siyu.decoration"
    label = "decoration"
    verbose_name = _("Shop decoration")
