"""Why a value-model request is refused."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import SiyuError


class InvalidValueSettings(SiyuError):
    """Raised when value-model settings are out of range or contradict each other (churn before dormancy)."""

    code = "invalid_value_settings"
    status = 400
    message = _("These value-model settings are not valid.")
