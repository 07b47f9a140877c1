from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeChatConfig(AppConfig):
    name = "siyu.wechat"
    label = "wechat"
    verbose_name = _("WeChat")

    def ready(self) -> None:
        # Each feature's WeCom callback handlers register themselves on import (siyu/wechat/callbacks.py).
        import siyu.wechat.wecom_groups.callbacks  # noqa: F401
