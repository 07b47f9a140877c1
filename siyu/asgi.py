import os

from django.core.asgi import get_asgi_application

from siyu.core.deployment import refuse_insecure_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
application = get_asgi_application()
refuse_insecure_start()  # after setup: the settings decide (docs/deployment.md)
