"""``{{ html|rich }}``: merchant rich text, cleaned by siyu.media.richtext, then marked safe."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from siyu.media.richtext import clean_html

register = template.Library()


@register.filter
def rich(value: str | None) -> SafeString:
    # Safe only because clean_html has just removed everything that could run.
    return mark_safe(clean_html(value or ""))
