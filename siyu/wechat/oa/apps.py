from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficialAccountConfig(AppConfig):
    name = "siyu.wechat.oa"
    label = "wechat_oa"
    verbose_name = _("Official account")
