"""Product pictures for the demo, drawn with Pillow: a package on a soft studio background.

Each picture is decided by the product alone (its name and picture key seed every choice), so two
builds of the demo draw the same bytes and the library stores each once. The kind of package follows
the key's prefix: ``tea`` a tea tin, ``snack`` a stand-up pouch, ``ware`` a cup on a saucer, ``gift``
a ribboned box; the product's name is printed on the label in a CJK font when one is installed
(fonts-noto-cjk), else the label stays plain.

Drawing is plain 2D work at 640 px (a few tens of milliseconds a picture); ``product_media`` stores
it through the image library's upload service like any merchant upload and writes a short 图文详情
around it.
"""

from __future__ import annotations

import colorsys
import functools
import hashlib
import io
import math
import random
from pathlib import Path

from django.utils.html import escape
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from siyu.media.services import upload_image
from siyu.tenancy.models import Merchant

SIZE = 640
FONT_DIR = Path("/usr/share/fonts/opentype/noto")
SERIF_BOLD = FONT_DIR / "NotoSerifCJK-Bold.ttc"
SANS_REGULAR = FONT_DIR / "NotoSansCJK-Regular.ttc"
SC = 2  # the face index of Simplified Chinese in Noto's CJK collections

Colour = tuple[int, int, int]

# Package colours that read as tea-shop packaging: (hue 0-1, saturation, value).
PALETTES: dict[str, list[tuple[float, float, float]]] = {
    "tea": [(0.33, 0.55, 0.45), (0.08, 0.65, 0.55), (0.0, 0.6, 0.55), (0.58, 0.45, 0.4), (0.12, 0.5, 0.35)],
    "snack": [(0.07, 0.7, 0.75), (0.1, 0.6, 0.8), (0.95, 0.5, 0.75), (0.3, 0.45, 0.6), (0.55, 0.4, 0.7)],
    "ware": [(0.55, 0.25, 0.55), (0.1, 0.35, 0.6), (0.45, 0.3, 0.5), (0.0, 0.0, 0.4)],
    "gift": [(0.0, 0.75, 0.6), (0.97, 0.65, 0.5), (0.12, 0.7, 0.6), (0.6, 0.55, 0.4)],
}


def _hsv(h: float, s: float, v: float) -> Colour:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, max(0.0, min(1.0, s)), max(0.0, min(1.0, v)))
    return (round(r * 255), round(g * 255), round(b * 255))


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    return (round(a[0] + (b[0] - a[0]) * t), round(a[1] + (b[1] - a[1]) * t), round(a[2] + (b[2] - a[2]) * t))


@functools.lru_cache(maxsize=16)
def _font(path: Path, size: int) -> ImageFont.FreeTypeFont | None:
    try:
        return ImageFont.truetype(str(path), size, index=SC)
    except OSError:
        return None


def _vertical_gradient(size: tuple[int, int], top: Colour, bottom: Colour) -> Image.Image:
    column = Image.new("RGB", (1, 256))
    column.putdata([_mix(top, bottom, y / 255) for y in range(256)])
    return column.resize(size, Image.Resampling.BILINEAR)


def _cylinder_shading(size: tuple[int, int], base: Colour) -> Image.Image:
    """A band lit from the left: a highlight a third of the way in, darker towards both edges."""
    light, dark = _mix(base, (255, 255, 255), 0.35), _mix(base, (0, 0, 0), 0.45)
    row = []
    for x in range(256):
        t = x / 255
        if t < 0.3:
            row.append(_mix(_mix(base, dark, 0.4), light, t / 0.3))
        else:
            row.append(_mix(light, dark, ((t - 0.3) / 0.7) ** 1.3))
    line = Image.new("RGB", (256, 1))
    line.putdata(row)
    return line.resize(size, Image.Resampling.BILINEAR)


def _soft(
    canvas: Image.Image, shape: str, box: tuple[int, int, int, int], fill: Colour, strength: int, blur: int
) -> None:
    """Paste ``fill`` through a blurred ``shape`` (ellipse or rectangle) around ``box``.

    Only the region the blur reaches is touched, and its mask is drawn and blurred at a quarter of
    the size, then scaled up: it looks the same and costs a fraction.
    """
    q, pad = 4, blur * 3
    left, top = max(0, box[0] - pad), max(0, box[1] - pad)
    right, bottom = min(canvas.width, box[2] + pad), min(canvas.height, box[3] + pad)
    mask = Image.new("L", ((right - left) // q + 1, (bottom - top) // q + 1), 0)
    small = ((box[0] - left) // q, (box[1] - top) // q, (box[2] - left) // q, (box[3] - top) // q)
    getattr(ImageDraw.Draw(mask), shape)(small, fill=strength)
    mask = mask.filter(ImageFilter.GaussianBlur(blur / q))
    mask = mask.resize((right - left, bottom - top), Image.Resampling.BILINEAR)
    canvas.paste(fill, (left, top, right, bottom), mask)


def _shadow(canvas: Image.Image, box: tuple[int, int, int, int], strength: int = 90) -> None:
    _soft(canvas, "ellipse", box, (0, 0, 0), strength, 18)


def _paste_shape(canvas: Image.Image, fill: Image.Image, mask: Image.Image, at: tuple[int, int]) -> None:
    canvas.paste(fill, at, mask)


def _wrap(name: str, font: ImageFont.FreeTypeFont, width: int, lines: int) -> list[str]:
    """``name`` in at most ``lines`` lines of at most ``width`` pixels (split at spaces first)."""
    words = name.replace("（", " （").split()
    out: list[str] = []
    for word in words:
        candidate = f"{out[-1]} {word}" if out else word
        if out and font.getlength(candidate) <= width:
            out[-1] = candidate
            continue
        if font.getlength(word) > width:  # a long run of CJK: even lines, not one orphan character
            parts = math.ceil(font.getlength(word) / width)
            while True:
                per = math.ceil(len(word) / parts)
                chunks = [word[i : i + per] for i in range(0, len(word), per)]
                if all(font.getlength(c) <= width for c in chunks) or per == 1:
                    break
                parts += 1
            out += chunks[:-1]
            word = chunks[-1]
        out.append(word)
    return out[:lines]


def _fit(name: str, width: int, height: int) -> tuple[ImageFont.FreeTypeFont, int, list[str]] | None:
    """The largest serif size at which ``name`` fits ``width`` x ``height`` in three lines at most."""
    lines: list[str] = []
    font = None
    for size in (44, 38, 32, 27, 23):
        font = _font(SERIF_BOLD, size)
        if font is None:
            return None
        lines = _wrap(name, font, width, 99)
        if len(lines) <= 3 and len(lines) * (size + 8) <= height:
            return font, size, lines
    assert font is not None
    return font, 23, lines[:3]


def _label_text(
    draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], name: str, ink: Colour, *, brand: str
) -> None:
    left, top, right, bottom = box
    small = _font(SANS_REGULAR, 16) if brand else None
    text_top = top + (30 if small is not None else 0)
    fitted = _fit(name, right - left - 24, bottom - text_top - 12)
    if fitted is None:  # no CJK font installed: a plain label
        return
    font, size, lines = fitted
    y = text_top + (bottom - text_top - len(lines) * (size + 8)) / 2 - 4
    for line in lines:
        draw.text((left + (right - left - font.getlength(line)) / 2, y), line, font=font, fill=ink)
        y += size + 8
    if small is not None:
        faded = _mix(ink, (255, 255, 255), 0.45)
        draw.text(
            (left + (right - left - small.getlength(brand)) / 2, top + 10), brand, font=small, fill=faded
        )


def _seal(draw: ImageDraw.ImageDraw, centre: tuple[int, int], char: str, colour: Colour) -> None:
    x, y = centre
    draw.rounded_rectangle((x - 22, y - 22, x + 22, y + 22), radius=6, fill=colour)
    font = _font(SERIF_BOLD, 28)
    if font is not None:
        w = font.getlength(char)
        draw.text((x - w / 2, y - 21), char, font=font, fill=(255, 250, 240))


def _tea_tin(canvas: Image.Image, rng: random.Random, base: Colour, name: str, brand: str) -> None:
    w, h = 300, 360
    x0, y0 = (SIZE - w) // 2, 150
    _shadow(canvas, (x0 - 30, y0 + h - 30, x0 + w + 30, y0 + h + 30))
    body = Image.new("L", (w, h + 40), 0)
    ImageDraw.Draw(body).rounded_rectangle((0, 20, w - 1, h + 19), radius=18, fill=255)
    ImageDraw.Draw(body).ellipse((0, h - 10, w - 1, h + 39), fill=255)
    _paste_shape(canvas, _cylinder_shading(body.size, base), body, (x0, y0 - 20))
    draw = ImageDraw.Draw(canvas)
    lid = _mix(base, (0, 0, 0), 0.35)
    lid_h = 58
    lid_mask = Image.new("L", (w + 12, lid_h + 40), 0)
    ImageDraw.Draw(lid_mask).rounded_rectangle((0, 20, w + 11, lid_h + 19), radius=10, fill=255)
    ImageDraw.Draw(lid_mask).ellipse((0, lid_h, w + 11, lid_h + 39), fill=255)
    _paste_shape(canvas, _cylinder_shading(lid_mask.size, lid), lid_mask, (x0 - 6, y0 - 40))
    draw.ellipse((x0 - 6, y0 - 40, x0 + w + 6, y0), fill=_mix(lid, (255, 255, 255), 0.25))
    draw.ellipse((x0 + 20, y0 - 33, x0 + w - 20, y0 - 7), fill=_mix(lid, (255, 255, 255), 0.1))
    paper = _mix((250, 244, 228), base, 0.06)
    label = (x0 + 34, y0 + 80, x0 + w - 34, y0 + 300)
    draw.rounded_rectangle(label, radius=6, fill=paper)
    draw.rounded_rectangle(
        (label[0] + 6, label[1] + 6, label[2] - 6, label[3] - 6), radius=4, outline=base, width=2
    )
    _label_text(
        draw,
        (label[0], label[1] + 10, label[2], label[3] - 30),
        name,
        _mix(base, (0, 0, 0), 0.5),
        brand=brand,
    )
    _seal(draw, (label[2] - 30, label[3] - 30), "茶", (178, 34, 34))
    # a band of the package colour's complement at the foot
    band = _hsv(colorsys.rgb_to_hsv(*[c / 255 for c in base])[0] + 0.5, 0.3, 0.85)
    draw.rectangle((x0, y0 + h - 50, x0 + w - 1, y0 + h - 38), fill=_mix(band, base, 0.5))
    del rng


def _pouch(canvas: Image.Image, rng: random.Random, base: Colour, name: str, brand: str) -> None:
    w, h = 320, 400
    x0, y0 = (SIZE - w) // 2, 120
    _shadow(canvas, (x0 - 10, y0 + h - 25, x0 + w + 10, y0 + h + 25))
    mask = Image.new("L", (w, h), 0)
    d = ImageDraw.Draw(mask)
    d.polygon([(14, 10), (w - 14, 10), (w - 1, h - 30), (0, h - 30)], fill=255)
    d.ellipse((0, h - 60, w - 1, h - 1), fill=255)
    _paste_shape(canvas, _cylinder_shading((w, h), base), mask, (x0, y0))
    draw = ImageDraw.Draw(canvas)
    # the torn-off top and its zip line
    teeth = [(x0 + 14 + i * 12, y0 + (0 if i % 2 else 10)) for i in range((w - 28) // 12 + 1)]
    draw.line(teeth, fill=_mix(base, (0, 0, 0), 0.3), width=3)
    draw.line((x0 + 18, y0 + 44, x0 + w - 18, y0 + 44), fill=_mix(base, (255, 255, 255), 0.4), width=3)
    # a window showing the goods
    window = (x0 + 70, y0 + 250, x0 + w - 70, y0 + 350)
    draw.rounded_rectangle(window, radius=40, fill=(246, 236, 214))
    goods = _mix((150, 95, 45), base, 0.15)
    for _ in range(22):
        cx = rng.randint(window[0] + 22, window[2] - 22)
        cy = rng.randint(window[1] + 16, window[3] - 16)
        r = rng.randint(9, 15)
        draw.ellipse(
            (cx - r, cy - r * 0.8, cx + r, cy + r * 0.8),
            fill=_mix(goods, (255, 230, 190), rng.random() * 0.4),
        )
    label = (x0 + 40, y0 + 70, x0 + w - 40, y0 + 232)
    draw.rounded_rectangle(label, radius=10, fill=(255, 252, 245))
    _label_text(draw, label, name, _mix(base, (0, 0, 0), 0.55), brand=brand)


def _cup(canvas: Image.Image, rng: random.Random, base: Colour, name: str, brand: str) -> None:
    cx = SIZE // 2
    _shadow(canvas, (cx - 210, 420, cx + 210, 500), strength=70)
    draw = ImageDraw.Draw(canvas)
    glaze = _mix(base, (255, 255, 255), 0.25)
    draw.ellipse((cx - 200, 400, cx + 200, 480), fill=_mix(glaze, (0, 0, 0), 0.15))
    draw.ellipse((cx - 190, 396, cx + 190, 466), fill=glaze)
    w, h = 260, 200
    mask = Image.new("L", (w, h + 60), 0)
    d = ImageDraw.Draw(mask)
    d.polygon([(0, 30), (w - 1, 30), (w - 40, h), (40, h)], fill=255)
    d.ellipse((40, h - 40, w - 41, h + 40), fill=255)
    _paste_shape(canvas, _cylinder_shading(mask.size, base), mask, (cx - w // 2, 190))
    draw.ellipse((cx - w // 2, 190, cx + w // 2, 250), fill=_mix(base, (0, 0, 0), 0.2))
    draw.ellipse((cx - w // 2 + 12, 198, cx + w // 2 - 12, 244), fill=(176, 120, 52))  # the tea
    draw.ellipse((cx - 40, 210, cx + 20, 226), fill=(205, 160, 90))
    draw.arc((cx + w // 2 - 50, 240, cx + w // 2 + 40, 330), start=-80, end=80, fill=base, width=16)
    # a tag with the name under the saucer
    tag = (cx - 170, 510, cx + 170, 610)
    draw.rounded_rectangle(tag, radius=8, fill=(255, 253, 248), outline=_mix(base, (0, 0, 0), 0.2), width=2)
    _label_text(draw, tag, name, _mix(base, (0, 0, 0), 0.55), brand="")
    del rng


def _gift_box(canvas: Image.Image, rng: random.Random, base: Colour, name: str, brand: str) -> None:
    w, h, depth = 360, 250, 70
    x0, y0 = (SIZE - w) // 2 - 15, 230
    _shadow(canvas, (x0 - 30, y0 + h - 20, x0 + w + depth + 10, y0 + h + 40))
    draw = ImageDraw.Draw(canvas)
    front = _mix(base, (0, 0, 0), 0.05)
    side = _mix(base, (0, 0, 0), 0.35)
    top = _mix(base, (255, 255, 255), 0.2)
    draw.polygon(
        [
            (x0 + w, y0),
            (x0 + w + depth, y0 - depth // 2),
            (x0 + w + depth, y0 + h - depth // 2),
            (x0 + w, y0 + h),
        ],
        fill=side,
    )
    draw.polygon(
        [(x0, y0), (x0 + depth, y0 - depth // 2), (x0 + w + depth, y0 - depth // 2), (x0 + w, y0)], fill=top
    )
    canvas.paste(
        _vertical_gradient((w, h), _mix(front, (255, 255, 255), 0.12), _mix(front, (0, 0, 0), 0.15)), (x0, y0)
    )
    ribbon = (236, 196, 92) if sum(base) < 450 else (178, 34, 34)
    rx = x0 + w // 2
    draw.rectangle((rx - 14, y0, rx + 14, y0 + h), fill=ribbon)
    draw.polygon(
        [
            (rx - 14, y0),
            (rx + 14, y0),
            (rx + 14 + depth, y0 - depth // 2),
            (rx - 14 + depth, y0 - depth // 2),
        ],
        fill=_mix(ribbon, (255, 255, 255), 0.2),
    )
    bx, by = rx + depth // 2, y0 - depth // 4
    for dx in (-1, 1):
        draw.ellipse((bx + dx * 58 - 40, by - 38, bx + dx * 58 + 40, by + 8), outline=ribbon, width=14)
    draw.ellipse((bx - 16, by - 26, bx + 16, by + 2), fill=ribbon)
    label = (x0 + 30, y0 + 60, rx - 30, y0 + h - 40)
    draw.rounded_rectangle(label, radius=6, fill=(255, 250, 238))
    _label_text(draw, label, name, _mix(base, (0, 0, 0), 0.5), brand=brand)
    del rng


DRAWERS = {"tea": _tea_tin, "snack": _pouch, "ware": _cup, "gift": _gift_box}


@functools.lru_cache(maxsize=256)  # a process that builds the demo twice draws each picture once
def product_picture(name: str, key: str, *, brand: str = "") -> bytes:
    """A JPEG picture of the product ``name`` whose picture key is ``key`` (e.g. ``tea-07``)."""
    seed = int.from_bytes(hashlib.sha256(f"{key}|{name}".encode()).digest()[:8], "big")
    rng = random.Random(seed)
    kind = key.split("-", 1)[0]
    drawer = DRAWERS.get(kind, _pouch)
    h, s, v = rng.choice(PALETTES.get(kind, PALETTES["snack"]))
    h += rng.uniform(-0.03, 0.03)
    base = _hsv(h, s, v)
    backdrop = _hsv(h + rng.choice((0.0, 0.08, -0.08)), 0.12, 0.97)
    canvas = _vertical_gradient((SIZE, SIZE), backdrop, _mix(backdrop, (120, 110, 100), 0.25))
    _soft(canvas, "rectangle", (0, 470, SIZE, SIZE), _mix(backdrop, (255, 255, 255), 0.5), 40, 30)
    drawer(canvas, rng, base, name, brand)
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=86, optimize=True)
    return out.getvalue()


def product_media(
    *, merchant: Merchant, name: str, key: str, points: tuple[str, ...] = ()
) -> dict[str, object]:
    """The ``images`` and ``detail_html`` of a demo product: its picture from the merchant's library and
    a detail of its selling points around it (``create_product(..., **product_media(...))``)."""
    picture = product_picture(name, key, brand=merchant.name)
    url = upload_image(merchant=merchant, content=picture, name=name, acting_staff=None).image.url
    items = "".join(f"<li>{escape(point)}</li>" for point in points)
    detail = f"<h3>{escape(name)}</h3>" + (f"<ul>{items}</ul>" if items else "")
    return {"images": [url], "detail_html": f'{detail}<img src="{escape(url)}" alt="{escape(name)}">'}
