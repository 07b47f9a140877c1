"""Serving the library's files from MEDIA_ROOT when Siyu is its own file server (SIYU_SERVE_MEDIA).

Stored names are digests of their content, so a URL always means the same bytes: browsers and CDNs
may keep them for a year. A proxy (nginx ``location /media/``) or an object store serves them faster;
docs/deployment.md.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe
from django.views.static import serve


@require_safe
def serve_media(request: HttpRequest, path: str) -> HttpResponseBase:
    if not path.startswith("images/"):
        raise Http404
    response = serve(request, path, document_root=str(settings.MEDIA_ROOT))
    if isinstance(response, FileResponse):
        response["Cache-Control"] = "public, max-age=31536000, immutable"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'"
    return response
