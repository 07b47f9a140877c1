"""The official account's web OAuth return (views/oa_web.py)."""

from django.urls import path

from siyu.wechat.views import oa_web

urlpatterns = [
    path("oa/<str:app_id>/oauth/", oa_web.oauth_return, name="oa_oauth"),
]
