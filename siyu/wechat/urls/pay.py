"""WeChat Pay v3 callback URLs (the notify_url Siyu sends with each prepay and refund)."""

from __future__ import annotations

from django.urls import path

from siyu.wechat.views import pay

urlpatterns = [
    path("pay/<str:mchid>/notify", pay.payment_notify, name="wechat-pay-notify"),
    path("pay/<str:mchid>/refund-notify", pay.refund_notify, name="wechat-pay-refund-notify"),
]
