"""The reach engine's public endpoints: tracked links, provider callbacks, unsubscribe pages."""

from __future__ import annotations

from django.urls import path  # noqa: F401

app_name = "reach"

urlpatterns: list = []
