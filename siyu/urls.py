from django.urls import include, path

from siyu.api import api
from siyu.orders.views import sandbox_pay
from siyu.views import healthz, hello, landing

urlpatterns = [
    path("", landing, name="landing"),
    path("api/v1/", api.urls),
    path("console/", include("siyu.console.urls")),
    path("shop/", include("siyu.storefront.urls")),
    path("sandbox-pay/<str:payment_number>/", sandbox_pay, name="sandbox-pay"),
    path("healthz", healthz),
    path("hello", hello),
    path("i18n/", include("django.conf.urls.i18n")),
]
