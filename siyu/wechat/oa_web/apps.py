from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OaWebConfig(AppConfig):
    name = "siyu.wechat.oa_web"
    label = "oa_web"
    verbose_name = _("Official account web login and menu")
