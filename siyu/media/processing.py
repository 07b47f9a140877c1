"""Turning uploaded bytes into the files the library stores: checked, re-encoded, thumbnailed.

Every stored image is re-encoded by Pillow, never the uploaded bytes themselves: that drops EXIF (GPS
position, camera serial) and anything else riding in the file, applies the EXIF orientation to the
pixels, and guarantees the stored file is the image format its name says. The format is judged from
the content (Pillow's sniffing), never from the file name or the browser's content type.

The order of checks keeps a hostile file cheap: the byte size first (the caller's), then the header
(``Image.open`` reads only the header), the pixel count from the header, and only then the decode.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from siyu.media.errors import ImageTooManyPixels, UnsupportedImage

# Pillow's format names we accept; phones' JPEGs often open as MPO (JPEG with a second picture).
ACCEPTED_FORMATS = {"JPEG", "MPO", "PNG", "WEBP", "GIF"}
LOSSLESS_FORMATS = {"PNG", "GIF"}
JPEG_QUALITY = 85


@dataclass(frozen=True)
class Encoded:
    """One re-encoded picture: its bytes, pixel size and file extension."""

    data: bytes
    width: int
    height: int
    ext: str  # "jpg" or "png"

    @property
    def content_type(self) -> str:
        return "image/png" if self.ext == "png" else "image/jpeg"


@dataclass(frozen=True)
class Processed:
    """What one upload becomes: the stored image and its thumbnail, with the original's digest."""

    image: Encoded
    thumbnail: Encoded
    source_format: str
    sha256: str


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _encode(picture: Image.Image, *, lossless: bool, icc_profile: bytes | None) -> Encoded:
    out = io.BytesIO()
    extra = {"icc_profile": icc_profile} if icc_profile else {}
    if _has_alpha(picture) or lossless:
        picture = picture.convert("RGBA" if _has_alpha(picture) else "RGB")
        picture.save(out, format="PNG", optimize=True, **extra)
        ext = "png"
    else:
        picture = picture.convert("RGB")
        picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True, **extra)
        ext = "jpg"
    return Encoded(data=out.getvalue(), width=picture.width, height=picture.height, ext=ext)


def _has_alpha(picture: Image.Image) -> bool:
    if picture.mode in ("RGBA", "LA", "PA"):
        return True
    return picture.mode == "P" and "transparency" in picture.info


def process_image(data: bytes, *, max_pixels: int, max_side: int, thumb_side: int) -> Processed:
    """Check ``data`` is an accepted image of at most ``max_pixels`` and re-encode it.

    The image is scaled down to ``max_side`` on its long side (never up); the thumbnail to
    ``thumb_side``. A GIF keeps its first frame. Raises ``UnsupportedImage`` for anything Pillow
    cannot read as an accepted format, ``ImageTooManyPixels`` for a decompression bomb.
    """
    try:
        with warnings.catch_warnings():
            # Past Pillow's own limit a warning first, then an error: both are bombs here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                source_format = opened.format or ""
                if source_format not in ACCEPTED_FORMATS:
                    raise UnsupportedImage(detail={"format": source_format.lower() or None})
                width, height = opened.size
                if width * height > max_pixels:
                    detail = {"width": width, "height": height, "max_pixels": max_pixels}
                    raise ImageTooManyPixels(detail=detail)
                opened.seek(0)  # a GIF's (or MPO's) first frame
                opened.load()
                icc_profile = opened.info.get("icc_profile")
                picture = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooManyPixels(detail={"max_pixels": max_pixels}) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UnsupportedImage(detail={"format": None}) from exc
    lossless = source_format in LOSSLESS_FORMATS
    if picture.mode == "P" and not _has_alpha(picture):
        picture = picture.convert("RGB")
    full = picture.copy()
    full.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumb = picture.copy()
    thumb.thumbnail((thumb_side, thumb_side), Image.Resampling.LANCZOS)
    return Processed(
        image=_encode(full, lossless=lossless, icc_profile=icc_profile),
        thumbnail=_encode(thumb, lossless=lossless, icc_profile=icc_profile),
        source_format=source_format.lower(),
        sha256=sha256_of(data),
    )
