"""The reach engine's public endpoints: tracked links, provider callbacks, unsubscribe pages."""

from __future__ import annotations

from django.urls import path

from siyu.reach.views import callbacks, links, unsubscribe

app_name = "reach"

urlpatterns: list = [
    path("r/<str:code>", links.follow, name="link"),
    # Provider callbacks (views/callbacks.py) and the email unsubscribe page (views/unsubscribe.py).
    path("sms/<int:merchant_id>/<str:token>/status", callbacks.sms_status, name="sms_status"),
    path("sms/<int:merchant_id>/<str:token>/reply", callbacks.sms_reply, name="sms_reply"),
    path("u/<str:token>", unsubscribe.unsubscribe, name="unsubscribe"),
]
