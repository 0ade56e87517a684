"""A bar chart of tickets by category for the digest (matplotlib, optional)."""

from __future__ import annotations

import io
import logging
from collections import Counter

from nlu.categories import category_name

log = logging.getLogger(__name__)
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Source Han Sans SC",
)


def bar_chart(counts: Counter, title: str) -> bytes | None:
    """A PNG, or None when matplotlib is not installed (`pip install gridbot[charts]`)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import font_manager
        from matplotlib import pyplot as plt
    except ImportError:
        log.warning("digest charts are on but matplotlib is not installed")
        return None
    available = {f.name for f in font_manager.fontManager.ttflist}
    font = next((name for name in CJK_FONTS if name in available), None)
    labels = [category_name(c) if font else c for c in counts]
    figure, axes = plt.subplots(figsize=(6, 3.2), dpi=100)
    try:
        if font:
            plt.rcParams["font.sans-serif"] = [font]
        axes.barh(labels or ["-"], list(counts.values()) or [0], color="#2f7ed8")
        axes.set_title(title if font else "tickets by category")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
