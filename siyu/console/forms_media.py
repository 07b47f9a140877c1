"""Form pieces for pictures: a product's gallery (pick from the library, upload, order) and its
rich-text detail (图文详情), both drawn by siyu/console/static/console/media.js; the library's upload.

Without JavaScript the gallery is a list of URL inputs plus an address field, and the detail is shown
as saved and posted back unchanged; the server cleans the detail either way (siyu/media/richtext.py).
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from siyu.media.richtext import MAX_LENGTH, clean_html
from siyu.media.selectors import images_by_url
from siyu.tenancy.models import Merchant

MAX_GALLERY = 20
ACCEPT = "image/jpeg,image/png,image/webp,image/gif"  # the file picker's hint; the server judges content
# The URLs a gallery may show: the web over http(s), or a path of this site (e.g. /media/...).
GALLERY_URL = re.compile(r"^(https?://[^\s/]+|/(?!/))\S*$", re.IGNORECASE)


class GalleryWidget(forms.Widget):
    """The gallery editor: thumbnails in order (drag or arrows), remove, add from the library or upload."""

    template_name = "console/media/_gallery_widget.html"
    is_block = True  # drawn as a block of its own, not inside a <label> (console/_fields.html)

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.thumbnails: dict[str, str] = {}  # url -> thumbnail url, for the library's images

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        # One input per image; a pasted block of lines (or an old client's textarea) counts line by line.
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])
        if isinstance(values, str):
            values = [values]
        return [line.strip() for value in values for line in str(value).splitlines() if line.strip()]

    def format_value(self, value: Any) -> list[str]:
        if not value:
            return []
        return value.splitlines() if isinstance(value, str) else list(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["items"] = [
            {"url": url, "thumbnail": self.thumbnails.get(url, url)} for url in self.format_value(value)
        ]
        context["widget"]["upload_url"] = reverse("console:media_upload")
        context["widget"]["picker_url"] = reverse("console:media_picker")
        context["widget"]["most"] = MAX_GALLERY
        return context


class GalleryField(forms.Field):
    widget = GalleryWidget

    def to_python(self, value: Any) -> list[str]:
        return list(value or [])

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > MAX_GALLERY:
            raise forms.ValidationError(_("At most 20 images."))
        for url in value:
            if len(url) > 500 or not GALLERY_URL.match(url):
                raise forms.ValidationError(
                    _("%(url)s is not an image address (https://... or /media/...).") % {"url": url[:80]}
                )

    def clean(self, value: Any) -> list[str]:
        urls = super().clean(value)
        return list(dict.fromkeys(urls))  # each picture once, in the order first given


def show_thumbnails(form: forms.Form, merchant: Merchant) -> None:
    """Let the gallery of ``form`` draw the library's thumbnails for its images (one query)."""
    widget = form.fields["images"].widget
    assert isinstance(widget, GalleryWidget)
    urls = widget.format_value(form["images"].value())
    widget.thumbnails = {
        url: image.thumbnail_url for url, image in images_by_url(merchant=merchant, urls=urls).items()
    }


class RichTextWidget(forms.Textarea):
    """A contenteditable editor with a small toolbar over a textarea that carries the HTML."""

    template_name = "console/media/_richtext_widget.html"
    is_block = True

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # What the editor starts from is what the storefront would show: cleaned.
        context["widget"]["clean"] = clean_html(str(value or ""))
        context["widget"]["upload_url"] = reverse("console:media_upload")
        context["widget"]["picker_url"] = reverse("console:media_picker")
        return context


class RichTextField(forms.CharField):
    widget = RichTextWidget

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=MAX_LENGTH, required=False, strip=True, **kwargs)

    def clean(self, value: Any) -> str:
        return clean_html(super().clean(value))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented recipe)."""

    MOST = 20

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        if len(files) > self.MOST:
            raise forms.ValidationError(_("At most 20 images at a time."))
        single = super().clean
        return [single(f, initial) for f in files]


class UploadForm(forms.Form):
    """The library's upload: up to 20 pictures at once (each then checked by the upload service)."""

    pictures = MultipleFileField(label=_("Images"))
