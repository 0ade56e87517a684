"""A bar chart of tickets by category for the digest (matplotlib, optional).

Its Chinese labels are drawn with Noto Sans SC (SIL Open Font License 1.1), which the
`pylopdf-fonts-zh-cn` package brings with every install (matplotlib comes with
`gridbot[charts]`); the machine's own fonts are never looked at."""

from __future__ import annotations

import io
import logging
from collections import Counter
from pathlib import Path

from nlu.categories import category_name

log = logging.getLogger(__name__)


def cjk_font() -> Path | None:
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        return None
    return sans_path()


def bar_chart(counts: Counter, title: str) -> bytes | None:
    """A PNG; None when there is nothing to show, or matplotlib or the font is not installed
    (`pip install "gridbot[charts]"`)."""
    if not +counts:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as plt
    except ImportError:
        log.warning("digest charts are on but matplotlib is not installed")
        return None
    font = cjk_font()
    if font is None:
        log.warning("digest charts are on but their font is not installed (gridbot[charts])")
        return None
    figure = draw(counts, title, font)
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def draw(counts: Counter, title: str, font: Path):
    """Most frequent category on top, a whole number at the end of each bar."""
    from matplotlib import pyplot as plt
    from matplotlib.font_manager import FontProperties
    from matplotlib.ticker import MaxNLocator

    chinese = FontProperties(fname=font, size=11)
    ranked = (+counts).most_common()[::-1]
    figure, axes = plt.subplots(figsize=(6, max(2.2, 0.9 + 0.45 * len(ranked))), dpi=100)
    bars = axes.barh(range(len(ranked)), [n for _, n in ranked], color="#2f7ed8")
    axes.set_yticks(range(len(ranked)), [category_name(c) for c, _ in ranked])
    for label in axes.get_yticklabels():
        label.set_fontproperties(chinese)
    axes.bar_label(bars, padding=3)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(0, max(counts.values()) * 1.15 + 0.5)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(title, fontproperties=FontProperties(fname=font, size=13))
    figure.tight_layout()
    return figure
