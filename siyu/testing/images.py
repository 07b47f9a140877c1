"""Image files for tests of the image library: real encodings made with Pillow, and hostile ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def image_bytes(
    fmt: str = "JPEG",
    *,
    size: tuple[int, int] = (1200, 800),
    colour: tuple[int, ...] = (200, 40, 40),
    mode: str = "RGB",
    exif: Image.Exif | None = None,
) -> bytes:
    """A ``size`` picture of one ``colour`` encoded as ``fmt`` (JPEG, PNG, WEBP, GIF, BMP, TIFF)."""
    picture = Image.new(mode, size, colour)
    out = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    picture.save(out, format=fmt, **extra)
    return out.getvalue()


def camera_exif(*, orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: the camera, a serial number, an orientation and a GPS position."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15"  # Model
    exif[0x0112] = orientation  # Orientation: 6 means "rotate 90° clockwise to show"
    exif[0xA431] = "SN-0042"  # BodySerialNumber
    exif[0x8825] = {1: "N", 2: (31.0, 13.0, 30.0), 3: "E", 4: (121.0, 28.0, 10.0)}  # GPSInfo
    return exif


def two_frame_gif() -> bytes:
    """An animated GIF: a red frame, then a blue one."""
    frames = [Image.new("RGB", (64, 48), (255, 0, 0)), Image.new("RGB", (64, 48), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG file whose header declares ``width`` x ``height`` pixels: a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def opened(data: bytes) -> Image.Image:
    """``data`` decoded (for assertions on what was stored)."""
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture
