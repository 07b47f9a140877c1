"""The WeChat callback URLs (``/wechat/...``): one module per area, included here."""

from django.urls import include, path  # noqa: F401 - each area adds one include line below

app_name = "wechat"
urlpatterns: list = []
