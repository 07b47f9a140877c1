from django.urls import path

from siyu.wechat.views import wecom

urlpatterns = [
    path("wecom/<str:corp_id>/callback", wecom.wecom_callback, name="wecom_callback"),
]
