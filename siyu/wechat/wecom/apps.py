from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeComConfig(AppConfig):
    name = "siyu.wechat.wecom"
    label = "wecom"
    verbose_name = _("WeCom contacts")

    def ready(self) -> None:
        # The change_external_contact handlers register with the WeCom callback registry on import.
        from siyu.wechat.wecom import handlers  # noqa: F401
