"""The official account's server callback (the URL set in 公众号 > 设置与开发 > 基本配置)."""

from django.urls import path

from siyu.wechat.views import oa

urlpatterns = [
    path("oa/<str:app_id>/callback", oa.callback, name="oa_callback"),
]
