"""商品 · 图片库: the merchant's image library (grid, upload several, delete unused), the picker the
gallery and detail editors open, and the upload they post to (JSON), through siyu/media/services.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from siyu.console.access import ConsoleRequest, console_view
from siyu.console.forms_media import UploadForm
from siyu.console.layout import render_page
from siyu.console.paging import page_of
from siyu.core.errors import InvalidInput, SiyuError
from siyu.media import selectors
from siyu.media.models import MediaImage
from siyu.media.services import Upload, delete_images, upload_image
from siyu.tenancy.permissions import Perm
from siyu.tenancy.services import require

LIBRARY_PAGE = 30
PICKER_PAGE = 24


def _upload_all(
    request: ConsoleRequest, form: UploadForm
) -> tuple[list[Upload], list[tuple[str, SiyuError]]]:
    """Each file of a valid ``form`` through the upload service: what was stored, what was refused."""
    staff = request.staff
    done: list[Upload] = []
    refused: list[tuple[str, SiyuError]] = []
    for f in form.cleaned_data["pictures"]:
        try:
            done.append(upload_image(merchant=staff.merchant, content=f, name=f.name, acting_staff=staff))
        except SiyuError as exc:
            refused.append((f.name, exc))
    return done, refused


def _refusal_text(name: str, exc: SiyuError) -> str:
    return _("%(name)s: %(reason)s") % {"name": name, "reason": exc.text}


def _library(
    request: ConsoleRequest,
    *,
    form: UploadForm | None = None,
    refusals: list[tuple[str, SiyuError]] | None = None,
    error: SiyuError | None = None,
    status: int = 200,
) -> HttpResponse:
    unused_only = request.GET.get("unused") == "1"
    qs = selectors.library(merchant=request.staff.merchant, unused_only=unused_only).select_related(
        "uploaded_by"
    )
    page = page_of(request, qs, LIBRARY_PAGE)
    context: dict[str, Any] = {
        "page": page,
        "deletable": any(not image.in_use for image in page),
        "unused_only": unused_only,
        "form": form or UploadForm(),
        "refusals": [_refusal_text(name, exc) for name, exc in refusals or []],
        "error": error,
        "max_mb": f"{settings.SIYU_MEDIA_MAX_BYTES / 1024 / 1024:g}",
    }
    return render_page(request, "console/media/library.html", context, module="products", status=status)


@require_http_methods(["GET", "POST"])
@console_view(Perm.CATALOG_VIEW, module="products")
def library_page(request: ConsoleRequest) -> HttpResponse:
    """The image library; staff who edit the catalogue upload pictures here (several at once)."""
    if request.method == "GET":
        return _library(request)
    require(request.staff, Perm.CATALOG_EDIT)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _library(request, form=form, status=400)
    done, refused = _upload_all(request, form)
    if not done:  # nothing stored: the page again, with each file's reason
        return _library(request, form=form, status=refused[0][1].status, refusals=refused)
    added = sum(1 for u in done if u.created)
    messages.success(
        request,
        ngettext("%(n)d image was uploaded.", "%(n)d images were uploaded.", len(done)) % {"n": len(done)},
    )
    if added < len(done):
        messages.info(request, _("Images already in the library were not added again."))
    for name, exc in refused:
        messages.warning(request, _refusal_text(name, exc))
    return redirect("console:media")


def _image_json(upload: Upload) -> dict[str, Any]:
    image = upload.image
    return {
        "id": image.pk,
        "url": image.url,
        "thumbnail_url": image.thumbnail_url,
        "width": image.width,
        "height": image.height,
        "name": image.original_name,
        "created": upload.created,
    }


@require_POST
@console_view(Perm.CATALOG_EDIT, module="products")
def upload(request: ConsoleRequest) -> HttpResponse:
    """The editors' upload (fetch from media.js): JSON with the stored images and each refused file."""
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [
            {"name": "", "code": "invalid_input", "message": str(e)} for e in form.errors.get("pictures", [])
        ]
        return JsonResponse({"images": [], "errors": errors}, status=400)
    done, refused = _upload_all(request, form)
    body = {
        "images": [_image_json(u) for u in done],
        "errors": [
            {"name": name, "code": exc.code, "message": _refusal_text(name, exc)} for name, exc in refused
        ],
    }
    return JsonResponse(body, status=200 if done else refused[0][1].status)


@require_GET
@console_view(Perm.CATALOG_VIEW, module="products")
def picker(request: ConsoleRequest) -> HttpResponse:
    """A page of the library as tiles to pick from (loaded into the editors' dialog)."""
    qs = MediaImage.objects.for_merchant(request.staff.merchant).order_by("-created_at", "-id")
    context = {"page": page_of(request, qs, PICKER_PAGE)}
    return render_page(request, "console/media/_picker.html", context, module="products")


def _image_ids(request: ConsoleRequest) -> list[int]:
    raw = request.POST.getlist("image_ids")
    if not raw or len(raw) > 200 or any(not v.isdigit() or len(v) > 18 for v in raw):
        raise InvalidInput(_("Choose the images to delete."), detail={"image_ids": raw[:10]})
    return [int(v) for v in raw]


@require_POST
@console_view(Perm.CATALOG_EDIT, module="products")
def delete(request: ConsoleRequest) -> HttpResponse:
    """Delete the chosen images, all or none: an image a product still shows is refused (409)."""
    try:
        n = delete_images(
            merchant=request.staff.merchant, image_ids=_image_ids(request), acting_staff=request.staff
        )
    except SiyuError as exc:
        return _library(request, error=exc, status=exc.status)
    messages.success(
        request, ngettext("%(n)d image was deleted.", "%(n)d images were deleted.", n) % {"n": n}
    )
    return redirect("console:media")
