"""``/reach/r/<code>``: a tracked link's click is recorded, then the visitor is sent on."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponseRedirect

from siyu.reach.errors import LinkNotFound
from siyu.reach.links import follow_link


def follow(request: HttpRequest, code: str) -> HttpResponseRedirect:
    try:
        target = follow_link(code=code)
    except LinkNotFound as exc:
        raise Http404(str(exc.text)) from exc
    return HttpResponseRedirect(target)
