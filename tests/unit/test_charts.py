"""The digest chart a supervisor opens: Chinese category names in the packaged Noto Sans SC
(whatever fonts the machine has), whole numbers on the count axis, no chart of nothing."""

from __future__ import annotations

import warnings
from collections import Counter

from matplotlib import pyplot as plt

from handlers.rhythm.charts import bar_chart, cjk_font, draw

COUNTS = Counter({"environment": 3, "traffic": 1, "public_security": 2})


def test_bars_are_labelled_in_chinese_with_the_packaged_font_most_frequent_on_top():
    figure = draw(COUNTS, "东关社区 新增工单（按类别）", cjk_font())
    try:
        axes = figure.axes[0]
        labels = axes.get_yticklabels()
        assert [label.get_text() for label in labels] == [
            "协助交通管理",
            "治安巡逻防范",
            "环境问题巡查",
        ]
        assert {label.get_fontproperties().get_file() for label in labels} == {str(cjk_font())}
        assert axes.title.get_fontproperties().get_file() == str(cjk_font())
    finally:
        plt.close(figure)


def test_the_count_axis_has_whole_numbers_only():
    figure = draw(Counter({"environment": 1}), "西苑社区", cjk_font())
    try:
        figure.canvas.draw()
        ticks = [t for t in figure.axes[0].get_xticks() if 0 <= t <= 1.65]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
    finally:
        plt.close(figure)


def test_chart_renders_every_chinese_character_as_a_png():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = bar_chart(COUNTS, "东关社区 新增工单（按类别）")
    assert png.startswith(b"\x89PNG")
    assert not [w for w in caught if "missing from font" in str(w.message)]


def test_nothing_to_show_makes_no_chart():
    assert bar_chart(Counter(), "西苑社区") is None
    assert bar_chart(Counter({"environment": 0}), "西苑社区") is None
