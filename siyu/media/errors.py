"""Refusals of the image library."""

from django.utils.translation import gettext_lazy as _

from siyu.core.errors import NotFound, SiyuError


class ImageNotFound(NotFound):
    """Raised when an image id is not in the merchant's library."""

    code = "image_not_found"
    message = _("This image is not in the library.")


class ImageTooLarge(SiyuError):
    """Raised when an uploaded file is larger than SIYU_MEDIA_MAX_BYTES."""

    code = "image_too_large"
    status = 413
    message = _("The file is too large.")


class UnsupportedImage(SiyuError):
    """Raised when a file is not a JPEG, PNG, WebP or GIF image (judged by its content, not its name)."""

    code = "unsupported_image"
    message = _("The file is not a JPEG, PNG, WebP or GIF image.")


class ImageTooManyPixels(SiyuError):
    """Raised when an image declares more pixels than SIYU_MEDIA_MAX_PIXELS (a decompression bomb guard)."""

    code = "image_too_many_pixels"
    message = _("The image has too many pixels.")


class ImageInUse(SiyuError):
    """Raised when deleting an image that a product's gallery or detail still shows."""

    code = "image_in_use"
    status = 409
    message = _("This image is still used by a product.")
