"""The imports router on an API of its own, so the tests do not depend on where the lead mounts it."""

from django.urls import path
from ninja import NinjaAPI

from siyu.api.errors import install_error_handlers
from siyu.api.imports import router

api = NinjaAPI(urls_namespace="imports-test")
install_error_handlers(api)
api.add_router("/admin/", router)

urlpatterns = [path("api/v1/", api.urls)]
