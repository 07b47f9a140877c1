from django.urls import include, path
from django.views.generic import RedirectView

from siyu.api import api
from siyu.core.views import healthz, hello
from siyu.orders.views import sandbox_pay

urlpatterns = [
    path("", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("api/v1/", api.urls),
    path("console/", include("siyu.console.urls")),
    path("shop/", include("siyu.storefront.urls")),
    path("sandbox-pay/<str:payment_number>/", sandbox_pay, name="sandbox-pay"),
    path("healthz", healthz),
    path("hello", hello),
    path("i18n/", include("django.conf.urls.i18n")),
]
