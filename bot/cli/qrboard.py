"""A grid's board picture: the QR code drawn here from the url WeChat returned (never fetched
from WeChat's picture host), with the grid's name and its worker under it."""

from __future__ import annotations

import qrcode
from PIL import Image, ImageDraw, ImageFont

from handlers.rhythm.charts import cjk_font

BOX = 12  # pixels per QR module
BORDER = 4  # quiet zone, in modules, as the QR standard asks
TEXT_SIZE, HINT_SIZE = 30, 22
MARGIN = 24
Font = tuple[str, int]  # file and face index


def find_cjk_font() -> Font | None:
    """The font the project's install brings for Chinese (Noto Sans SC, as the charts use);
    None without it (the picture then carries the code alone)."""
    path = cjk_font()
    return (str(path), 0) if path else None


def qr_image(url: str) -> Image.Image:
    """The QR code of `url`, black on white, error correction M, with its quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=BOX)
    code.border = BORDER
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")


def board(url: str, lines: list[str], hint: str, font: Font | None) -> Image.Image:
    """The QR code with `lines` (the grid, its worker) and a smaller `hint` under it; without
    a font only the QR code and `lines` that are plain ASCII are drawn."""
    code = qr_image(url)
    faces = _faces(font)
    room = code.width - 2 * MARGIN
    written = [
        (part, faces[0])
        for line in lines
        if font or line.isascii()
        for part in _wrapped(line, faces[0], room)
    ]
    if font and hint:
        written.extend((part, faces[1]) for part in _wrapped(hint, faces[1], room))
    heights = [_height(face, text) for text, face in written]
    picture = Image.new("RGB", (code.width, code.height + sum(heights) + MARGIN), "white")
    picture.paste(code, (0, 0))
    draw, top = ImageDraw.Draw(picture), code.height  # the quiet zone stays whole
    for (text, face), height in zip(written, heights, strict=True):
        width = draw.textlength(text, font=face)
        draw.text(((picture.width - width) / 2, top), text, fill="black", font=face)
        top += height
    return picture


def _faces(font: Font | None) -> tuple[ImageFont.ImageFont, ImageFont.ImageFont]:
    if font is None:
        return ImageFont.load_default(TEXT_SIZE), ImageFont.load_default(HINT_SIZE)
    file, index = font
    return (
        ImageFont.truetype(file, TEXT_SIZE, index=index),
        ImageFont.truetype(file, HINT_SIZE, index=index),
    )


def _wrapped(text: str, face, room: float) -> list[str]:
    """The text in lines no wider than `room`, broken after a '/' where one is near."""
    lines, line = [], ""
    for char in text:
        if line and face.getlength(line + char) > room:
            cut = line.rfind("/") + 1 if line.rfind("/") > len(line) // 2 else len(line)
            lines.append(line[:cut])
            line = line[cut:]
        line += char
    return [*lines, line] if line else lines


def _height(face, text: str) -> int:
    return int(face.getbbox(text)[3] * 1.5)
