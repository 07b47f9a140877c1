"""The reach engine's public endpoints: tracked links, provider callbacks, unsubscribe pages."""

from __future__ import annotations

from django.urls import path

app_name = "reach"

urlpatterns: list = []

# Provider callbacks (siyu/reach/views/callbacks.py) and the unsubscribe page (views/unsubscribe.py).
from siyu.reach.views import callbacks, unsubscribe  # noqa: E402

urlpatterns.append(path("sms/<int:merchant_id>/<str:token>/status", callbacks.sms_status, name="sms_status"))
urlpatterns.append(path("sms/<int:merchant_id>/<str:token>/reply", callbacks.sms_reply, name="sms_reply"))
urlpatterns.append(path("u/<str:token>", unsubscribe.unsubscribe, name="unsubscribe"))
