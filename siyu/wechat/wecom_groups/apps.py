from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeComGroupsConfig(AppConfig):
    name = "siyu.wechat.wecom_groups"
    label = "wecom_groups"
    verbose_name = _("WeCom tags and groups")
