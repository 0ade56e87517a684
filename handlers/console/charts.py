"""The dashboard's pictures, drawn by matplotlib on the server as PNG (no chart code in the
browser, nothing loaded from the internet). matplotlib is optional (`gridbot[charts]`):
without it, or without the Chinese font, there is no picture and the tables say it all."""

from __future__ import annotations

import io
import logging

from handlers.rhythm.charts import cjk_font

log = logging.getLogger(__name__)
COLOURS = ("#2f7ed8", "#0d233a", "#8bbc21", "#910000", "#1aadce", "#492970", "#f28f43", "#77a1e5")


def available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return cjk_font() is not None


def rates_chart(months: list[str], series: dict[str, list[float | None]]) -> bytes | None:
    """One line per rate across the months (a gap where a month has nothing to measure)."""

    def draw(axes, font) -> None:
        for n, (label, values) in enumerate(series.items()):
            shown = [float("nan") if v is None else 100 * v for v in values]
            axes.plot(months, shown, marker="o", color=COLOURS[n], label=label)
        axes.set_ylim(0, 105)
        axes.set_ylabel("%")
        axes.legend(prop=font, loc="lower left")

    return _png(draw)


def weeks_chart(weeks: list[str], series: dict[str, list[int]]) -> bytes | None:
    """Stacked bars: each week's new tickets, by category."""

    def draw(axes, font) -> None:
        from matplotlib.ticker import MaxNLocator

        bottom = [0] * len(weeks)
        for n, (label, counts) in enumerate(series.items()):
            if any(counts):
                axes.bar(weeks, counts, bottom=bottom, color=COLOURS[n % 8], label=label)
                bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
        axes.legend(prop=font, loc="upper left", fontsize=8)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # tickets come whole

    return _png(draw)


def _png(draw) -> bytes | None:
    if not available():
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.font_manager import FontProperties

    figure, axes = plt.subplots(figsize=(7, 3.2), dpi=100)
    try:
        draw(axes, FontProperties(fname=cjk_font(), size=9))
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
