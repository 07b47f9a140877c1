"""The reach engine's public endpoints: tracked links, provider callbacks, unsubscribe pages."""

from __future__ import annotations

from django.urls import path

from siyu.reach.views import links

app_name = "reach"

urlpatterns: list = [
    path("r/<str:code>", links.follow, name="link"),
]
