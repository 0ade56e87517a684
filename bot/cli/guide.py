"""`gridbot guide check`: every fault in the service guide's files, one line each."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from nlu.guide import read_guide


def check(folder: Path, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    guide, problems = read_guide(folder)
    for problem in problems:
        print(problem, file=err)
    if problems:
        return 1
    services = "1 service" if len(guide) == 1 else f"{len(guide)} services"
    print(f"guide OK: {services} in {folder}", file=out)
    return 0
