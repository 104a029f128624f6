"""Charts of the report site: Vega-Lite specs made with altair and drawn to SVG by
vl-convert while the site is written, so that a page needs neither JavaScript nor a
network to show them.

Building a chart with altair and compiling it to Vega costs more than drawing it, and
drawing is already most of the site's time. So each kind of chart is built and compiled
once per site, with placeholders for its texts (`Renderer.template`), and reads its rows
from one named dataset (`rows`) filled in when it is drawn: the demo's 455 trend charts
share about 20 compiled specs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import altair as alt
import vl_convert

#: The dataset every chart reads: its values are filled in at drawing time.
DATA = "rows"
#: The signal holding a trend chart's first and last year, also set at drawing time.
YEARS = "years"

#: d3-format locales of the site's languages (decimal and thousands marks on the axes).
FORMAT_LOCALES = {"en": "en-US", "es": "es-ES", "fr": "fr-FR", "pt": "pt-BR"}

#: The series computed by hemisec; published sources get the next colours, in order.
COMPUTED_COLOUR = "#1f5fa8"
#: (Okabe and Ito's colour-blind safe palette, with a dark grey.)
PUBLISHED_COLOURS = ("#d55e00", "#009e73", "#cc79a7", "#444444", "#e69f00", "#56b4e9")
#: Marks on values with something against them, and on series breaks.
FLAG_COLOUR = "#c0392b"
BREAK_COLOUR = "#333333"
#: The OAS first, then its subregions.
REGION_COLOURS = ("#222222", "#1f5fa8", "#d55e00", "#009e73", "#8e44ad", "#b8860b")
#: The fonts of the charts' text. vl-convert lays the text out with the first of these it
#: has and the browser draws it with the first it has: Arial and Liberation Sans (its
#: metric twin) where they exist, else DejaVu Sans Condensed, which Debian has and whose
#: widths are close to Arial's, so that labels neither overlap nor get cut off. (A plain
#: 'DejaVu Sans' first is also several times slower to lay out in vl-convert.)
FONT = "Arial, 'Liberation Sans', 'DejaVu Sans Condensed', Helvetica, sans-serif"

TREND_WIDTH, TREND_HEIGHT = 440, 160


#: The site's look: readable axis labels, a light grid, no frame; no ARIA label per mark
#: (the chart as a whole gets its text alternative). Given in one call: every altair
#: `configure_*` call copies the whole chart.
CONFIG: dict[str, Any] = {
    "aria": False,
    "font": FONT,
    # Room for text a few pixels wider in the browser than vl-convert measured it.
    "padding": {"left": 14, "top": 6, "right": 14, "bottom": 6},
    "view": {"stroke": None},
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "titleFontWeight": "normal",
             "labelColor": "#333", "titleColor": "#222", "gridColor": "#e4e4e4",
             "domainColor": "#888", "tickColor": "#888"},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal",
               "labelLimit": 260},
    "header": {"labelFontSize": 10, "labelColor": "#222"},
    "title": {"fontSize": 12, "fontWeight": "normal", "anchor": "start", "color": "#222"},
}


def _configure(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.properties(config=CONFIG)


def _data() -> alt.NamedData:
    return alt.NamedData(name=DATA)


def _year_axis(title: str | None, tick_count: int | None = None) -> alt.Axis:
    return alt.Axis(format="d", title=title, grid=False, tickMinStep=1, labelFlush=False,
                    labelOverlap="greedy", tickCount=tick_count)


def _value_axis(title: str, tick_count: int = 5, **extra: Any) -> alt.Axis:
    """A value axis whose title (the unit) is written level, above the axis: a unit such
    as 'victims per 100,000 population' is longer than the chart is high."""
    return alt.Axis(title=title, titleAngle=0, titleAlign="left", titleAnchor="start",
                    titleBaseline="bottom", titleX=-38, titleY=-8, tickCount=tick_count,
                    **extra)


def trend(with_breaks: bool, value_title: str, year_title: str) -> alt.TopLevelMixin:
    """A country's series of one indicator: the computed series solid, each published
    series dashed, lone values (no neighbouring year) as dots, flagged values as red
    diamonds and, `with_breaks`, series breaks (obs_status B) as dotted rules marked B.
    The year axis spans the signal `years`, set for each chart.

    Each layer costs drawing time even when it has nothing to draw, so the chart has as
    few as the marks need (and the break layers only where a series breaks)."""
    years = alt.param(name=YEARS, value=[2000, 2020])
    x = alt.X("year:Q", title=year_title, axis=_year_axis(year_title, 6),
              scale=alt.Scale(domain={"expr": YEARS}, nice=False, zero=False))
    y = alt.Y("value:Q", title=value_title, axis=_value_axis(value_title))
    colour = alt.Color("colour:N", scale=None)
    flagged = "datum.flagged"
    base = alt.Chart().encode(x=x, y=y)
    layers = [
        # The computed series wide and beneath, a published one thin and dashed above it:
        # where the two agree, both stay visible.
        base.mark_line().encode(
            color=colour, detail="series:N",
            strokeWidth=alt.StrokeWidth("method:N", legend=None, scale=alt.Scale(
                domain=["computed", "published"], range=[3.6, 1.8])),
            strokeDash=alt.StrokeDash("method:N", legend=None, scale=alt.Scale(
                domain=["computed", "published"], range=[[1, 0], [6, 3]]))),
        base.transform_filter(f"datum.point || {flagged}")
        .mark_point(opacity=1, strokeWidth=2).encode(
            shape=alt.condition(flagged, alt.value("diamond"), alt.value("circle")),
            size=alt.condition(flagged, alt.value(130), alt.value(30)),
            stroke=alt.condition(flagged, alt.value(FLAG_COLOUR), colour),
            fill=alt.condition(flagged, alt.value("transparent"), colour)),
    ]
    if with_breaks:
        breaks = alt.Chart().transform_filter("datum.brk")
        layers += [
            breaks.mark_rule(color=BREAK_COLOUR, strokeDash=[2, 2], strokeWidth=1.5)
            .encode(x=x),
            breaks.mark_text(text="B", baseline="bottom", dy=-1, fontWeight="bold",
                             color=BREAK_COLOUR).encode(x=x, y=alt.value(0)),
        ]
    chart = (alt.layer(*layers, data=_data()).add_params(years)
             .properties(width=TREND_WIDTH, height=TREND_HEIGHT))
    return _configure(chart)


def ranked(value_title: str, value_format: str) -> alt.TopLevelMixin:
    """Each member state's latest value as a bar, highest first, the value written at the
    bar's end; a flagged value's bar is outlined in the flag colour."""
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField(field="rank", op="min"),
              axis=alt.Axis(labelLimit=230, ticks=False, domain=False))
    x = alt.X("value:Q", title=value_title, axis=alt.Axis(tickCount=5, orient="top"))
    base = alt.Chart().encode(x=x, y=y)
    bars = base.mark_bar(height=11, strokeWidth=2).encode(
        fill=alt.Fill("colour:N", scale=None), stroke=alt.Stroke("outline:N", scale=None))
    text = base.mark_text(align="left", dx=4, fontSize=10, color="#222").encode(
        text=alt.Text("value:Q", format=value_format))
    chart = alt.layer(bars, text, data=_data()).properties(width=290, height=alt.Step(15))
    return _configure(chart)


def small_multiples(title: str, first_year: int, last_year: int,
                    columns: int = 7) -> alt.TopLevelMixin:
    """One small panel per member state, on one common scale, so that both the trend and
    the level can be compared."""
    x = alt.X("year:Q", title=None, axis=_year_axis(None, 2),
              scale=alt.Scale(domain=[first_year, last_year], nice=False, zero=False))
    y = alt.Y("value:Q", title=None, axis=alt.Axis(tickCount=3))
    base = alt.Chart().encode(x=x, y=y)
    panel = alt.layer(
        base.mark_line(strokeWidth=1.6, color=COMPUTED_COLOUR),
        base.transform_filter("datum.point").mark_circle(size=14, color=COMPUTED_COLOUR,
                                                         opacity=1),
        base.transform_filter("datum.flagged")
        .mark_point(shape="diamond", size=40, filled=False, strokeWidth=1.4, color=FLAG_COLOUR),
    ).properties(width=112, height=56)
    facet = alt.Facet("name:N", title=None, sort=alt.EncodingSortField(field="order", op="min"),
                      header=alt.Header(labelLimit=118, labelPadding=2))
    chart = panel.facet(facet=facet, columns=columns, data=_data(), spacing=10).properties(
        title=title)
    return _configure(chart)


def regional(regions: Sequence[str], threshold: float, value_title: str, coverage_title: str,
             year_title: str, threshold_label: str) -> alt.TopLevelMixin:
    """The OAS and its subregions over time, and, beneath on the same years, the share of
    each one's population its figure covers: a value below the coverage threshold is a
    hollow ring, off the line, because it describes the reporting states, not the region."""
    colour = alt.Color("region:N", title=None,
                       scale=alt.Scale(domain=list(regions),
                                       range=list(REGION_COLOURS[:len(regions)])),
                       legend=alt.Legend(orient="right"))
    top_x = alt.X("year:Q", title=None, axis=_year_axis(None, 6),
                  scale=alt.Scale(zero=False, nice=False))
    value = alt.Y("value:Q", title=value_title, axis=_value_axis(value_title))
    line_value = alt.Y("line_value:Q", title=value_title, axis=_value_axis(value_title))
    top = alt.layer(
        alt.Chart().mark_line(strokeWidth=2).encode(x=top_x, y=line_value, color=colour),
        alt.Chart().transform_filter("datum.representative").mark_circle(size=22, opacity=1)
        .encode(x=top_x, y=value, color=colour),
        alt.Chart().transform_filter("!datum.representative")
        .mark_point(size=48, filled=False, strokeWidth=1.6, opacity=1)
        .encode(x=top_x, y=value, color=colour),
    ).properties(width=430, height=180)
    bottom_x = alt.X("year:Q", title=year_title, axis=_year_axis(year_title, 6),
                     scale=alt.Scale(zero=False, nice=False))
    rule_data = alt.Data(values=[{"threshold": threshold, "label": threshold_label}])
    bottom = alt.layer(
        alt.Chart().mark_line(strokeWidth=1.6).encode(
            x=bottom_x, color=colour,
            y=alt.Y("coverage:Q", title=coverage_title, scale=alt.Scale(domain=[0, 100]),
                    axis=_value_axis(coverage_title, values=[0, 50, 100]))),
        alt.Chart(rule_data).mark_rule(strokeDash=[4, 3], color="#555")
        .encode(y=alt.Y("threshold:Q")),
        alt.Chart(rule_data).mark_text(align="left", baseline="bottom", dx=2, dy=-2,
                                       fontSize=10, color="#555")
        .encode(y=alt.Y("threshold:Q"), x=alt.value(0), text="label:N"),
    ).properties(width=430, height=70)
    chart = alt.vconcat(top, bottom, data=_data(), spacing=26)
    return _configure(chart)


def findings_grid(country_title: str, check_title: str, legend_title: str) -> alt.TopLevelMixin:
    """Findings counted by check and member state, the count in each cell."""
    base = alt.Chart().encode(
        x=alt.X("country:N", title=country_title, sort=alt.EncodingSortField("country_order"),
                axis=alt.Axis(orient="top", labelAngle=-60, labelFontSize=10)),
        y=alt.Y("check:N", title=check_title, axis=alt.Axis(labelLimit=260)))
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color("findings:Q", title=legend_title,
                        scale=alt.Scale(type="log", scheme="orangered")))
    text = base.mark_text(fontSize=9).encode(
        text="findings:Q",
        color=alt.condition("datum.dark", alt.value("white"), alt.value("#222")))
    chart = alt.layer(cells, text, data=_data()).properties(width=alt.Step(20),
                                                           height=alt.Step(20))
    return _configure(chart)


def coverage_grid(years: Sequence[int], year_title: str, indicator_title: str,
                  legend_title: str) -> alt.TopLevelMixin:
    """How many member states have a value, by indicator and year (every year of the
    range is a column, so that a year nobody reported shows as a gap)."""
    labelled = [year for year in years if year % 5 == 0] or list(years)
    chart = alt.Chart(data=_data()).mark_rect(stroke="white", strokeWidth=0.5).encode(
        x=alt.X("year:O", title=year_title, scale=alt.Scale(domain=list(years)),
                axis=alt.Axis(values=labelled, labelAngle=0)),
        y=alt.Y("title:N", title=indicator_title, sort=alt.EncodingSortField("order"),
                axis=alt.Axis(labelLimit=300)),
        color=alt.Color("countries:Q", title=legend_title,
                        scale=alt.Scale(domain=[0, 35], scheme="blues")),
    ).properties(width=alt.Step(max(6, min(22, 760 // max(len(years), 1)))), height=alt.Step(18))
    return _configure(chart)


@dataclass
class Template:
    """A chart compiled to Vega once, drawn with any rows."""

    vega: dict[str, Any]
    renderer: Renderer

    def draw(self, rows: list[dict[str, Any]], chart_id: str, title: str,
             description: str, signals: dict[str, Any] | None = None) -> str:
        """The chart as an accessible inline SVG: `role="img"`, a <title> and a <desc>."""
        spec = {**self.vega, "data": [{**d, "values": rows} if d.get("name") == DATA else d
                                      for d in self.vega["data"]]}
        if signals:
            spec["signals"] = [{**s, "value": signals[s["name"]]} if s["name"] in signals
                               else s for s in self.vega.get("signals", [])]
        svg = vl_convert.vega_to_svg(spec, allowed_base_urls=[],
                                     format_locale=self.renderer.format_locale)
        self.renderer.drawn += 1
        return accessible_svg(compact_svg(svg), chart_id, title, description)


class Renderer:
    """Compiles and draws the site's charts in one vl-convert runtime, in the site's
    language (decimal marks).

    Building a chart with altair and compiling it to Vega cost more than drawing it, so
    each kind of chart is built and compiled once, with a placeholder for each of its
    texts, and each indicator's texts are put into the compiled spec's JSON."""

    def __init__(self, language: str) -> None:
        self.format_locale = FORMAT_LOCALES[language]
        self.drawn = 0
        self._compiled: dict[tuple[Any, ...], str] = {}

    def template(self, builder: Callable[..., alt.TopLevelMixin], *fixed: Any,
                 **filled: str | float) -> Template:
        """The chart `builder(*fixed, **filled)` compiled to Vega. `filled` (texts, or
        numbers used as they are, such as a scale's ends) vary from chart to chart and are
        put into the compiled spec; `fixed` are the same for every chart of the site
        (hashable: they are part of the cache key)."""
        key = (builder.__qualname__, fixed, tuple(sorted(filled)))
        compiled = self._compiled.get(key)
        if compiled is None:
            chart = builder(*fixed, **{name: _placeholder(name) for name in filled})
            compiled = json.dumps(vl_convert.vegalite_to_vega(chart.to_dict()))
            missing = [name for name in filled if _placeholder(name) not in compiled]
            if missing:
                raise ValueError(f"{builder.__qualname__} does not show {', '.join(missing)}")
            self._compiled[key] = compiled
        for name, value in filled.items():
            if isinstance(value, str):
                # JSON-escaped, without the quotes: the placeholder may sit inside a string.
                compiled = compiled.replace(_placeholder(name), json.dumps(value)[1:-1])
            else:
                compiled = compiled.replace(json.dumps(_placeholder(name)), json.dumps(value))
        vega = json.loads(compiled)
        if not any(d.get("name") == DATA for d in vega.get("data", [])):
            raise ValueError(f"{builder.__qualname__} does not read the dataset {DATA!r}")
        return Template(vega, self)


def _placeholder(name: str) -> str:
    return f"@@{name}@@"


#: What vl-convert writes that draws nothing: the empty foreground and zero-size
#: background of every group, and attributes that only repeat the default. With the
#: coordinates cut to two decimals (a hundredth of a pixel) and the font given once by
#: the page's style sheet (svg.chart text), the SVG is about a third smaller.
_INVISIBLE = re.compile(r'<path class="(?:foreground" aria-hidden="true" d=""'
                        r'(?: pointer-events="none")? display="none"|background" '
                        r'aria-hidden="true" d="M0,0h0v0h0Z"(?: pointer-events="none")?)/>'
                        r'| pointer-events="none"| opacity="1"')
_GEOMETRY = re.compile(r'\b(d|transform)="([^"]*)"')
_LONG_DECIMAL = re.compile(r"(\d\.\d\d)\d+")
_FONT = re.compile(r' font-family="([^"]*)"')


def _two_decimals(match: re.Match[str]) -> str:
    shorter = _LONG_DECIMAL.sub(lambda number: number.group(1), match.group(2))
    return f'{match.group(1)}="{shorter}"'


def compact_svg(svg: str) -> str:
    """The same picture in fewer bytes (the site's pages carry up to 36 charts)."""
    svg = _GEOMETRY.sub(_two_decimals, _INVISIBLE.sub("", svg))
    return _FONT.sub(lambda m: "" if m.group(1) == FONT else m.group(0), svg)


_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'url\(#([^)]+)\)|href="#([^"]+)"')
_ROOT = re.compile(r"<svg\b([^>]*)>")


def accessible_svg(svg: str, chart_id: str, title: str, description: str) -> str:
    """Give the SVG a text alternative and make its ids unique on the page.

    vl-convert numbers clip paths from 1 in every SVG; two charts on one page would share
    `clip1` and the second would be clipped by the first's rectangle."""
    svg = _ID.sub(lambda m: f'id="{chart_id}-{m.group(1)}"', svg)
    svg = _REFERENCE.sub(
        lambda m: (f"url(#{chart_id}-{m.group(1)})" if m.group(1)
                   else f'href="#{chart_id}-{m.group(2)}"'), svg)
    match = _ROOT.search(svg)
    if match is None:
        raise ValueError("vl-convert returned no <svg> element")
    attributes = match.group(1).replace('class="marks"', 'class="marks chart"')
    root = (f'<svg{attributes} role="img" focusable="false" '
            f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>')
    return svg[:match.start()] + root + svg[match.end():]


def rows_json(frame: Any) -> list[dict[str, Any]]:
    """Records of a DataFrame with missing values as null, the way Vega reads them."""
    return json.loads(frame.to_json(orient="records"))
