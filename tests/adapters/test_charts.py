"""The inline SVG charts: accessible, escaped, suppressed counts never drawn as a size."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from adapters.http.pages.charts import _scale_max, columns, described, horizontal_bars

SVG = "{http://www.w3.org/2000/svg}"


def parsed(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 - our own output


def bars(svg: ET.Element) -> list[float]:
    return [float(rect.attrib["width"]) for rect in svg.iter(SVG + "rect")]


def test_horizontal_bars_are_an_image_with_a_title_and_the_numbers_in_words() -> None:
    svg = parsed(horizontal_bars("Cases by category", [("Personal", 12), ("Nuisance", 6)],
                                 chart_id="mix"))
    assert svg.attrib["role"] == "img"
    assert svg.attrib["aria-labelledby"] == "mix-title mix-desc"
    assert svg.find(SVG + "title").text == "Cases by category"  # type: ignore[union-attr]
    assert svg.find(SVG + "desc").text == "Personal: 12; Nuisance: 6."  # type: ignore[union-attr]
    first, second = bars(svg)
    assert abs(first - 2 * second) < 0.2  # proportional to the values
    texts = [t.text for t in svg.iter(SVG + "text")]
    assert "Personal" in texts
    assert "12" in texts


def test_labels_and_titles_are_escaped() -> None:
    markup = horizontal_bars("<script>alert(1)</script>", [('Noise & "music" <b>', 3)])
    assert "<script>" not in markup
    assert "<b>" not in markup
    svg = parsed(markup)  # still well-formed XML
    assert 'Noise & "music" <b>' in [t.text for t in svg.iter(SVG + "text")]
    assert parsed(columns("Q&A", [("<Q1>", 1)])).find(SVG + "title").text == "Q&A"  # type: ignore[union-attr]


def test_a_suppressed_count_is_shown_in_words_and_not_drawn() -> None:
    svg = parsed(horizontal_bars("Outcomes", [("Resolved", 10), ("Reduced", "fewer than 5")]))
    assert len(bars(svg)) == 1
    assert "fewer than 5" in [t.text for t in svg.iter(SVG + "text")]
    trend = parsed(columns("Trend", [("2025-26-Q4", "fewer than 5"), ("2026-27-Q1", 7)]))
    assert len(list(trend.iter(SVG + "rect"))) == 1
    assert "<5" in [t.text for t in trend.iter(SVG + "text")]
    assert "2025-26-Q4: fewer than 5" in trend.find(SVG + "desc").text  # type: ignore[union-attr,operator]


def test_columns_keep_their_order_and_scale_to_a_round_top() -> None:
    data = [(f"Q{n}", n * 10) for n in range(1, 9)]
    svg = parsed(columns("Cases opened", data))
    heights = [float(r.attrib["height"]) for r in svg.iter(SVG + "rect")]
    assert heights == sorted(heights)
    assert len(heights) == 8
    assert _scale_max([80]) == 100
    assert _scale_max([3]) == 5
    assert _scale_max([]) == 1
    assert _scale_max([0, "fewer than 5"]) == 1


def test_no_figures() -> None:
    for markup in (horizontal_bars("Nothing", []), columns("Nothing", [])):
        assert "No figures" in markup
        assert re.search(r"<title[^>]*>Nothing</title>", markup)
    assert described([]) == "No figures."
