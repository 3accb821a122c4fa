"""The report's SVG charts, parsed back: points, bars, escaped text, local numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from smmdesk.analytics.reports import svg

NS = {"s": "http://www.w3.org/2000/svg"}


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def test_a_line_has_one_point_per_value_rising_upwards():
    root = _parse(svg.line_chart(title="Followers", labels=["a", "b", "c"],
                                 values=[10, 20, 30]))
    (line,) = root.findall("s:polyline", NS)
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert len(points) == 3
    xs, ys = zip(*points, strict=True)
    assert xs[0] < xs[1] < xs[2] and ys[0] > ys[1] > ys[2]  # SVG y grows downwards


def test_a_missing_value_breaks_the_line():
    root = _parse(svg.line_chart(title="t", labels=["a", "b", "c", "d"],
                                 values=[1, None, 3, 4]))
    lines = root.findall("s:polyline", NS)
    assert [len(x.get("points").split()) for x in lines] == [1, 2]


def test_bars_are_as_tall_as_their_values():
    root = _parse(svg.bar_chart(title="Views", labels=["1", "2", "3"], values=[100, 50, None]))
    bars = root.findall("s:rect", NS)
    assert len(bars) == 2
    assert float(bars[0].get("height")) == 2 * float(bars[1].get("height"))
    assert bars[0].find("s:title", NS).text == "1: 100"


def test_horizontal_bars_write_their_values():
    root = _parse(svg.hbar_chart(title="ER", labels=["Recipes", "News"], values=[4.5, 1.5],
                                 suffix=" %"))
    bars = root.findall("s:rect", NS)
    assert float(bars[0].get("width")) == pytest.approx(3 * float(bars[1].get("width")), abs=0.2)
    values = [t.text for t in root.findall("s:text", NS) if t.get("class") == "value"]
    assert values == ["4.50 %", "1.50 %"]


def test_text_is_escaped():
    markup = svg.hbar_chart(title="<script>", labels=['<b>"&'], values=[1])
    root = _parse(markup)
    assert root.find("s:title", NS).text == "<script>"
    assert "<script>" not in markup and "<b>" not in markup


def test_axis_numbers_follow_the_language():
    with translation.override("ru"):
        root = _parse(svg.bar_chart(title="t", labels=["a"], values=[12000]))
    ticks = [t.text for t in root.findall("s:text", NS) if t.get("class") == "tick"]
    assert ticks[-1] == "12\xa0000"
    with translation.override("en"):
        root = _parse(svg.bar_chart(title="t", labels=["a"], values=[12000]))
    assert [t.text for t in root.findall("s:text", NS) if t.get("class") == "tick"][-1] \
        == "12,000"


def test_a_pdf_leaves_out_the_emoji_its_fonts_would_print_as_boxes():
    from smmdesk.analytics.reports.render import drawable

    assert drawable("Кава ☕️ 👇🏽 гатова! 🚚 1️⃣ 👨‍👩‍👧 © ™") == "Кава   гатова!  1  © ™"
