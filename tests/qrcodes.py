"""Reading back the QR code of a picture gridbot drew: its modules from the pixels, and what a
QR reader makes of it where one is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import qrcode
from PIL import Image


def modules_of(source: Path | Image.Image) -> list[list[bool]]:
    """The dark modules of the QR code at the top of the picture, read back from its pixels."""
    picture = (source if isinstance(source, Image.Image) else Image.open(source)).convert("L")

    def dark(x: int, y: int) -> bool:
        return picture.getpixel((x, y)) < 128

    corner = next(i for i in range(picture.width) if dark(i, i))  # the finder, 4 modules in
    box = corner // 4
    count = picture.width // box - 8  # a quiet zone of 4 modules on either side
    middle = [box * (4 + i) + box // 2 for i in range(count)]
    return [[dark(x, y) for x in middle] for y in middle]


def expected_modules(url: str) -> list[list[bool]]:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    return code.get_matrix()


def decoded(png: Path) -> str | None:
    """What a QR reader reads in the picture, where zbarimg is installed."""
    if not shutil.which("zbarimg"):
        return None
    read = subprocess.run(["zbarimg", "-q", "--raw", str(png)], capture_output=True, text=True)
    return read.stdout.strip()
