from django.conf import settings
from django.urls import include, path

from siyu.api import api
from siyu.media.views import serve_media
from siyu.orders.views import sandbox_pay
from siyu.views import healthz, hello, landing

urlpatterns = [
    path("", landing, name="landing"),
    path("api/v1/", api.urls),
    path("console/", include("siyu.console.urls")),
    path("shop/", include("siyu.storefront.urls")),
    path("wechat/", include("siyu.wechat.urls")),
    path("reach/", include("siyu.reach.urls")),
    path("sandbox-pay/<str:payment_number>/", sandbox_pay, name="sandbox-pay"),
    path("healthz", healthz),
    path("hello", hello),
    path("i18n/", include("django.conf.urls.i18n")),
]
if settings.SIYU_SERVE_MEDIA and settings.MEDIA_URL.startswith("/"):
    # Uploaded images from MEDIA_ROOT (siyu/media/views.py); off when an object store serves them.
    urlpatterns.append(path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", serve_media, name="media"))
