from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "siyu.core"
    label = "core"
    verbose_name = "Siyu core"

    def ready(self) -> None:
        from siyu.core import deployment  # noqa: F401 - registers the `check --deploy` checks
