from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupBuyConfig(AppConfig):
    name = "siyu.promotions.groupbuy"
    label = "groupbuy"
    verbose_name = _("Group buys")
