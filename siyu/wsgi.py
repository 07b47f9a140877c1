import os

from django.core.wsgi import get_wsgi_application

from siyu.core.deployment import refuse_insecure_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
application = get_wsgi_application()
refuse_insecure_start()  # after setup: the settings decide (docs/deployment.md)
