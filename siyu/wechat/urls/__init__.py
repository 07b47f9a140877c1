"""The WeChat callback URLs (``/wechat/...``): one module per area, included here."""

from django.urls import include, path

app_name = "wechat"
urlpatterns: list = [
    path("", include("siyu.wechat.urls.oa")),
    path("", include("siyu.wechat.urls.pay")),
    path("", include("siyu.wechat.urls.wecom")),
    path("", include("siyu.wechat.urls.oa_web")),  # web OAuth return
]
