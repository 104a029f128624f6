"""The offline report site that `hemisec report` writes from a built database alone.

`index.html` is the OAS overview, `country/ISO3.html` a page per member state,
`quality.html` the validation findings and the coverage, `sources.html` the sources.
Every chart is an inline SVG drawn while the site is written (hemisec.publish.charts) and
every page carries its own CSS, so the site opens from the file system, with no network
and no JavaScript. The site's texts are written once, in English, here and in the
templates, and translated with the gettext catalogues (hemisec.translate); texts that
come from the database (definitions, findings, source titles) stay in English and are
marked so (`lang="en"`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from hemisec.errors import UsageError
from hemisec.publish import charts
from hemisec.publish.labels import in_language
from hemisec.translate import translator

TEMPLATES = Path(__file__).parent / "templates"
T = TypeVar("T")

#: The tables and columns the site reads: a database lacking one is not a hemisec build,
#: or one made by another version of hemisec.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "build_info": ("section", "name", "value"),
    "countries": ("iso3", "name_en", "name_es", "subregion", "membership_note"),
    "indicator_catalogue": ("indicator", "title", "unit", "kind", "definition",
                            "regional_aggregate", "comparability"),
    "indicators": ("iso3", "year", "indicator", "method", "value", "obs_status", "flags",
                   "flag_note", "comparability_note", "numerator_source_id",
                   "denominator_source_id"),
    "regional_indicators": ("grouping", "region", "year", "indicator", "value",
                            "countries_with_data", "countries_in_region",
                            "population_coverage", "flags"),
    "best_available": ("iso3", "year", "indicator", "value", "method", "flags", "source_id"),
    "validation_findings": ("severity", "check", "resource", "file", "row", "field", "value",
                            "message"),
    "sources": ("source_id", "title", "publisher", "edition", "release_date", "url",
                "licence", "taken_from", "retrieved", "file", "sha256", "citation"),
    "thresholds": ("rule", "value"),
}

#: The regions of the overview's regional charts: the package's own subregions.
REGION_GROUPINGS = ("oas", "oas_subregion")
SUBREGIONS = ("Caribbean", "Central America", "North America", "South America")
PUBLISHED_BAR_COLOUR = "#e69f00"
#: A chart's series: the computed one, and one per source of published values.
SERIES_SQL = ("CASE WHEN method = 'computed' THEN 'computed' "
              "ELSE 'published:' || numerator_source_id END")
#: The pages besides the country pages, in the order they are written (the overview last).
SITE_PAGES = ("sources.html", "quality.html", "index.html")


# --------------------------------------------------------------------------- reading


@dataclass
class SiteData:
    """Everything the site shows, read with one query per table."""

    database: Path
    info: dict[str, str]
    countries: pd.DataFrame
    catalogue: pd.DataFrame
    series: pd.DataFrame
    summaries: pd.DataFrame
    regional: pd.DataFrame
    best: pd.DataFrame
    findings: pd.DataFrame
    sources: pd.DataFrame
    coverage_threshold: float


def _open(database: Path) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(database), read_only=True)
    except duckdb.Error as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise UsageError(f"{database}: not a database hemisec can read ({reason}); "
                         "give the file `hemisec build` wrote") from None


def _check_build(con: duckdb.DuckDBPyConnection, database: Path) -> dict[str, set[str]]:
    """The columns of every table, after making sure the site's tables are there."""
    rows = con.execute("SELECT table_name, list(column_name) FROM duckdb_columns() "
                       "WHERE schema_name = 'main' GROUP BY table_name").fetchall()
    present = {name: set(columns) for name, columns in rows}
    missing = [name for name in REQUIRED_COLUMNS if name not in present]
    if "build_info" in missing or len(missing) == len(REQUIRED_COLUMNS):
        raise UsageError(f"{database} is not a hemisec build (it has no "
                         f"{', '.join(missing[:4])} table); build one with `hemisec build`")
    lacking = {name: [c for c in columns if c not in present.get(name, set())]
               for name, columns in REQUIRED_COLUMNS.items()}
    lacking = {name: columns for name, columns in lacking.items() if columns}
    if lacking:
        what = "; ".join(f"{name} lacks {', '.join(columns)}" if name in present
                         else f"no {name} table" for name, columns in lacking.items())
        raise UsageError(f"{database} was built by another version of hemisec ({what}); "
                         "rebuild it with `hemisec build --force`")
    return present


def _finding_countries_sql(present: dict[str, set[str]], resources: Iterable[str]) -> str:
    """Where each finding's member state is read from: the row of its table the finding
    points to (tables keep the line they were read from, `input_row`)."""
    parts = [f"SELECT '{name}' AS resource, input_row, min(iso3) AS iso3 FROM \"{name}\" "
             "GROUP BY input_row"
             for name in sorted(set(resources))
             if name.isidentifier() and {"iso3", "input_row"} <= present.get(name, set())]
    return " UNION ALL ".join(parts) or \
        "SELECT NULL::VARCHAR AS resource, NULL::BIGINT AS input_row, NULL::VARCHAR AS iso3"


def load(database: Path) -> SiteData:
    """Read the site's data from a built database, or say why it cannot be done."""
    con = _open(database)
    try:
        present = _check_build(con, database)
        info = dict(con.execute("SELECT name, value FROM build_info "
                                "WHERE section = 'build'").fetchall())
        countries = con.sql("SELECT * FROM countries ORDER BY iso3").df()
        catalogue = con.sql("SELECT row_number() OVER () AS position, * "
                            "FROM indicator_catalogue").df()
        series = con.sql(f"""
            SELECT *, lag(year) OVER w AS previous_year, lead(year) OVER w AS next_year
            FROM (SELECT iso3, indicator, year, value, method, obs_status, flags, flag_note,
                         comparability_note, numerator_source_id, denominator_source_id,
                         {SERIES_SQL} AS series
                  FROM indicators)
            WINDOW w AS (PARTITION BY iso3, indicator, series ORDER BY year)
            ORDER BY iso3, indicator, method, series, year""").df()
        summaries = con.sql(f"""
            SELECT iso3, indicator, series, any_value(method) AS method, count(*) AS n,
                   min(year) AS first_year, arg_min(value, year) AS first_value,
                   max(year) AS last_year, arg_max(value, year) AS last_value,
                   max(value) AS max_value, arg_max(year, value) AS max_year,
                   list(year ORDER BY year) FILTER (WHERE flags IS NOT NULL) AS flagged_years,
                   list(year ORDER BY year) FILTER (WHERE obs_status = 'B') AS break_years
            FROM (SELECT *, {SERIES_SQL} AS series FROM indicators)
            GROUP BY ALL ORDER BY iso3, indicator, method, series""").df()
        regional = con.sql(f"""
            SELECT grouping, region, year, indicator, value, countries_with_data,
                   countries_in_region, population_coverage, flags
            FROM regional_indicators WHERE grouping IN {REGION_GROUPINGS}
            ORDER BY indicator, grouping, region, year""").df()
        best = con.sql("SELECT iso3, year, indicator, value, method, flags, source_id "
                       "FROM best_available ORDER BY iso3, indicator, year").df()
        resources = [r for (r,) in con.execute(
            "SELECT DISTINCT resource FROM validation_findings").fetchall()]
        findings = con.sql(f"""
            WITH located AS ({_finding_countries_sql(present, resources)})
            SELECT f.severity, f."check", f.resource, f.file, f.row, f.field, f.value,
                   f.message,
                   coalesce(l.iso3, c.iso3) AS iso3
            FROM (SELECT *, row_number() OVER () AS position FROM validation_findings) f
            LEFT JOIN located l ON l.resource = f.resource AND l.input_row = f.row
            LEFT JOIN countries c
              ON c.iso3 = regexp_extract(f.message, '^([A-Z]{{3}})\\b', 1)
            ORDER BY f.severity, f."check", f.position""").df()
        sources = con.sql("SELECT * FROM sources ORDER BY source_id").df()
        threshold = con.execute("SELECT max(value) FROM thresholds WHERE rule = "
                                "'regional_min_population_coverage_pct'").fetchone()[0]
    finally:
        con.close()
    return SiteData(database, info, countries, catalogue, series, summaries, regional, best,
                    findings, sources, float(threshold if threshold is not None else 50))


# --------------------------------------------------------------------------- helpers


def _missing(value: Any) -> bool:
    """None, NaN or pandas' NA: what a missing cell comes back as."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _text(value: Any) -> str:
    """A cell as text: empty for a missing value."""
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _years(value: Any) -> list[int]:
    """The years of a list column (NULL when no year qualifies)."""
    if _missing(value):
        return []
    return [int(year) for year in value]


def _grouped(keys: Iterable[Hashable], items: Iterable[T]) -> dict[Any, list[T]]:
    """Items in lists by key, in one pass (keys and items in step)."""
    groups: dict[Any, list[T]] = defaultdict(list)
    for key, item in zip(keys, items, strict=True):
        groups[key].append(item)
    return dict(groups)


def _span(first: int, last: int, least: int = 6) -> tuple[int, int]:
    """A chart's years: the data's, widened to `least` years so that one or two values
    do not fill the whole width."""
    missing = max(0, least - (last - first))
    return first - missing // 2, last + (missing - missing // 2)


def _sort_key(name: str) -> str:
    """Alphabetical order that ignores case and accents (Á sorts with A, not after Z)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


class Numbers:
    """Numbers written the way the page's language writes them."""

    def __init__(self, language: str) -> None:
        from babel.numbers import get_decimal_symbol, get_group_symbol

        self.decimal = get_decimal_symbol(language)
        self.group = get_group_symbol(language)
        self.language = language

    def __call__(self, value: Any, decimals: int = 1) -> str:
        if value is None or pd.isna(value):
            return ""
        text = f"{float(value):,.{decimals}f}"
        return text.translate({ord(","): self.group, ord("."): self.decimal})

    def percent(self, value: Any, decimals: int = 1) -> str:
        if value is None or pd.isna(value):
            return ""
        space = "\u202f" if self.language == "fr" else ""
        return f"{self(value, decimals)}{space}%"


@dataclass
class Table:
    """A data table: headers, rows of cells (text or markup), the numeric columns."""

    headers: list[str]
    rows: list[list[Any]]
    numeric: set[int] = field(default_factory=set)
    english: set[int] = field(default_factory=set)


@dataclass
class KeyItem:
    """One entry of a chart's key: a symbol drawn in HTML and its label."""

    symbol: str
    label: str
    colour: str = charts.COMPUTED_COLOUR


@dataclass
class Figure:
    """A chart with what goes around it: its key, its caption and its data table."""

    id: str
    svg: Markup
    caption: str
    table: Table
    key: list[KeyItem] = field(default_factory=list)


@dataclass
class Indicator:
    """A catalogue entry in the page's language."""

    id: str
    title: str
    unit: str
    kind: str
    definition: str
    comparability: str
    aggregated: bool
    decimals: int
    position: int

    @property
    def value_format(self) -> str:
        return f",.{self.decimals}f"


# --------------------------------------------------------------------------- the site


class Site:
    """Renders the pages of one site, in one language, from the data of one build."""

    def __init__(self, data: SiteData, language: str,
                 gettext: Callable[[str], str] | None = None) -> None:
        self.data = data
        self.language = language
        self._ = gettext or translator(language)
        self.number = Numbers(language)
        self.renderer = charts.Renderer(language)
        self.environment = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.environment.globals.update(_=self._, language=language, number=self.number)
        # The charts' font is given once, here, rather than on each of their labels.
        self.css = ((TEMPLATES / "site.css").read_text(encoding="utf-8")
                    + f"svg.chart text {{ font-family: {charts.FONT}; }}\n")
        self.indicators = self._indicators()
        self.names = self._country_names()
        self.order = {iso3: i for i, iso3 in enumerate(
            sorted(self.names, key=lambda iso3: _sort_key(self.names[iso3])))}
        published = sorted(s for s in data.series["series"].unique() if s != "computed")
        self.colours = {"computed": charts.COMPUTED_COLOUR} | {
            s: charts.PUBLISHED_COLOURS[i % len(charts.PUBLISHED_COLOURS)]
            for i, s in enumerate(published)}
        self.source_ids = set(data.sources["source_id"])
        self.publishers = dict(zip(data.sources["source_id"], data.sources["publisher"],
                                   strict=True))

    # ------------------------------------------------------------ shared pieces

    def _indicators(self) -> dict[str, Indicator]:
        _ = self._
        typical = self.data.series.groupby("indicator")["value"].median()
        indicators = {}
        for row in self.data.catalogue.itertuples(index=False):
            small = typical.get(row.indicator, 10) < 1
            decimals = 0 if row.kind == "count" else (2 if small else 1)
            indicators[row.indicator] = Indicator(
                row.indicator, _(row.title), _(row.unit), row.kind, row.definition,
                row.comparability, row.regional_aggregate == "ratio_of_sums", decimals,
                int(row.position))
        return indicators

    def _country_names(self) -> dict[str, str]:
        names = in_language(self.data.countries, "name", self.language)
        return dict(zip(self.data.countries["iso3"], names, strict=True))

    def region_label(self, region: str) -> str:
        _ = self._
        labels = {"OAS": _("OAS"), "Caribbean": _("Caribbean"),
                  "Central America": _("Central America"),
                  "North America": _("North America"), "South America": _("South America")}
        return labels.get(region, region)

    def severity_label(self, severity: str) -> str:
        _ = self._
        return {"error": _("error"), "warning": _("warning")}.get(severity, severity)

    def method_label(self, method: str) -> str:
        _ = self._
        return {"computed": _("computed"), "published": _("published")}.get(method, method)

    def series_label(self, series: str) -> str:
        _ = self._
        if series == "computed":
            return _("Computed by hemisec")
        source_id = series.split(":", 1)[1]
        publisher = self.publishers.get(source_id) or source_id
        return _("Published by {publisher}").format(publisher=publisher)

    def banner(self) -> dict[str, str] | None:
        _ = self._
        kind = self.data.info.get("data", "")
        if kind == "synthetic demo":
            return {"title": _("Synthetic demo data."),
                    "text": _("Every figure on this page was invented by hemisec's demo "
                              "generator to show how the site works. These are not "
                              "statistics: do not cite them.")}
        if "synthetic" in kind:
            return {"title": _("Partly synthetic data."),
                    "text": _("Some figures in this build come from hemisec's synthetic "
                              "demo and were invented. Do not cite this site.")}
        return None

    def page(self, template: str, root: str, title: str, **context: Any) -> str:
        info = self.data.info
        return self.environment.get_template(template).render(
            root=root, page_title=title, css=Markup(self.css), banner=self.banner(),
            info=info, database=self.data.database.name,
            english=Markup(' lang="en"') if self.language != "en" else "", **context)

    def source_link(self, source_id: str | None, root: str) -> Markup:
        """A link to a source's entry on the sources page (plain text if it has none)."""
        if not source_id or pd.isna(source_id):
            return Markup("")
        if source_id not in self.source_ids:
            return Markup("<code>{}</code>").format(source_id)
        return Markup('<a href="{}sources.html#source-{}"><code>{}</code></a>').format(
            root, source_id, source_id)

    # ------------------------------------------------------------ country pages

    def trend_template(self, indicator: Indicator, with_breaks: bool) -> charts.Template:
        return self.renderer.template(charts.trend, with_breaks, value_title=indicator.unit,
                                      year_title=self._("Year"))

    def prepare_series(self) -> None:
        """Group what the country pages show by member state and indicator, in one pass
        over the indicators table, rather than filtering it for each of 455 charts."""
        s = self.data.series
        keys = list(zip(s["iso3"], s["indicator"], strict=True))
        flagged = s["flags"].notna().to_numpy()
        breaks = (s["obs_status"] == "B").to_numpy()
        chart = pd.DataFrame({
            "year": s["year"], "value": s["value"], "method": s["method"],
            "series": s["series"], "colour": s["series"].map(self.colours),
            "point": ~((s["previous_year"] == s["year"] - 1)
                       | (s["next_year"] == s["year"] + 1)).fillna(False).astype(bool),
            "flagged": flagged, "brk": breaks})
        # A row with no value the year after a gap breaks the line there.
        gap = (s["next_year"] > s["year"] + 1).fillna(False).astype(bool).to_numpy()
        gaps = chart[gap].assign(year=chart["year"][gap] + 1, value=None, point=False,
                                 flagged=False, brk=False)
        gap_keys = [key for key, is_gap in zip(keys, gap, strict=True) if is_gap]
        self.chart_rows = _grouped(keys + gap_keys,
                                   charts.rows_json(pd.concat([chart, gaps], ignore_index=True)))
        labels = s["series"].map({k: self.series_label(k) for k in s["series"].unique()})
        decimals = s["indicator"].map({i: d.decimals for i, d in self.indicators.items()})
        values = [self.number(v, d) for v, d in zip(s["value"], decimals, strict=True)]
        self.table_rows = _grouped(keys, (
            [int(year), label, value, status, _text(flags)] for year, label, value, status, flags
            in zip(s["year"], labels, values, s["obs_status"], s["flags"], strict=True)))
        self.flagged = _grouped(
            (k for k, f in zip(keys, flagged, strict=True) if f),
            zip(s["year"][flagged].astype(int), labels[flagged], s["flags"][flagged],
                s["flag_note"][flagged].map(_text), strict=True))
        self.breaks = _grouped((k for k, b in zip(keys, breaks, strict=True) if b),
                               s["year"][breaks].astype(int))
        self.summaries = _grouped(
            zip(self.data.summaries["iso3"], self.data.summaries["indicator"], strict=True),
            self.data.summaries.itertuples(index=False))
        notes = s[["iso3", "indicator", "comparability_note"]].dropna().drop_duplicates()
        self.notes = _grouped(zip(notes["iso3"], notes["indicator"], strict=True),
                              notes["comparability_note"])
        roles = pd.concat([
            s.loc[s["method"] == "computed", ["iso3", "indicator", "numerator_source_id"]]
            .set_axis(["iso3", "indicator", "source_id"], axis=1).assign(role="counts"),
            s[["iso3", "indicator", "denominator_source_id"]]
            .set_axis(["iso3", "indicator", "source_id"], axis=1).assign(role="denominators"),
            s.loc[s["method"] == "published", ["iso3", "indicator", "numerator_source_id"]]
            .set_axis(["iso3", "indicator", "source_id"], axis=1).assign(role="published"),
        ]).dropna().drop_duplicates().sort_values(["iso3", "indicator", "source_id"])
        self.source_roles = _grouped(zip(roles["iso3"], roles["indicator"], strict=True),
                                     zip(roles["role"], roles["source_id"], strict=True))
        self.country_source_ids = _grouped(
            roles["iso3"], zip(roles["source_id"], roles["indicator"], strict=True))
        best = self.data.best
        latest = best.sort_values("year").groupby(["iso3", "indicator"]).tail(1)
        self.latest = _grouped(latest["iso3"], latest.itertuples(index=False))

    def country_page(self, iso3: str, findings: pd.DataFrame,
                     templates: dict[tuple[str, bool], charts.Template]) -> str:
        _ = self._
        name = self.names[iso3]
        country = self.data.countries.set_index("iso3").loc[iso3]
        sections, absent = [], []
        for indicator in self.indicators.values():
            key = (iso3, indicator.id)
            if key not in self.summaries:
                absent.append(indicator.title)
                continue
            with_breaks = key in self.breaks
            if (indicator.id, with_breaks) not in templates:
                templates[indicator.id, with_breaks] = self.trend_template(indicator,
                                                                            with_breaks)
            sections.append(self.indicator_section(iso3, indicator,
                                                   templates[indicator.id, with_breaks]))
        return self.page(
            "country.html", "../", name, page="country", iso3=iso3, name=name,
            subregion=self.region_label(country["subregion"]),
            membership_note=_text(country["membership_note"]), sections=sections,
            absent=absent, latest=self.latest_table(iso3),
            findings=self.findings_table(findings, "../", link_indicators=True),
            finding_count=len(findings), sources=self.country_sources(iso3, "../"),
            indicator_count=len(self.indicators))

    def indicator_section(self, iso3: str, indicator: Indicator,
                          template: charts.Template) -> dict[str, Any]:
        _ = self._
        key = (iso3, indicator.id)
        name = self.names[iso3]
        summaries = self.summaries[key]
        description = self.trend_description(name, indicator, summaries)
        chart_id = f"chart-{indicator.id}"
        years = _span(min(int(x.first_year) for x in summaries),
                      max(int(x.last_year) for x in summaries))
        svg = template.draw(self.chart_rows[key], chart_id,
                            _("{indicator} in {country}").format(indicator=indicator.title,
                                                                 country=name),
                            description, signals={charts.YEARS: list(years)})
        table = Table([_("Year"), _("Series"), _("Value"), _("Status"), _("Flags")],
                      self.table_rows[key], numeric={0, 2})
        key_items = [KeyItem("line" if s.series == "computed" else "dashed",
                             self.series_label(s.series), self.colours[s.series])
                     for s in summaries]
        if key in self.flagged:
            key_items.append(KeyItem("diamond", _("flagged value"), charts.FLAG_COLOUR))
        if key in self.breaks:
            key_items.append(KeyItem("break", _("series break (B)"), charts.BREAK_COLOUR))
        role_labels = {"counts": _("counts"), "denominators": _("denominators"),
                       "published": _("published values")}
        roles = self.source_roles.get(key, [])
        sources = [(label, [self.source_link(source_id, "../")
                            for r, source_id in roles if r == role])
                   for role, label in role_labels.items()
                   if any(r == role for r, _source in roles)]
        return {
            "indicator": indicator,
            "figure": Figure(chart_id, Markup(svg), description, table, key_items),
            "flagged": self.flagged.get(key, []),
            "breaks": sorted(set(self.breaks.get(key, []))),
            "sources": sources,
            "notes": self.notes.get(key, []),
        }

    def trend_description(self, name: str, indicator: Indicator,
                          summaries: list[Any]) -> str:
        """The chart in words: each series' first, last and highest value, the flagged
        years and the breaks."""
        _ = self._
        number = self.number
        d = indicator.decimals
        first = min(int(s.first_year) for s in summaries)
        last = max(int(s.last_year) for s in summaries)
        parts = [_("{indicator} in {country}, {first}-{last} ({unit}).").format(
            indicator=indicator.title, country=name, first=first, last=last,
            unit=indicator.unit)]
        flagged: set[int] = set()
        breaks: set[int] = set()
        for s in summaries:
            label = self.series_label(s.series)
            if s.n == 1:
                parts.append(_("{series}: {value} in {year}.").format(
                    series=label, value=number(s.last_value, d), year=int(s.last_year)))
            else:
                parts.append(_("{series}: {first_value} in {first_year}, {last_value} in "
                               "{last_year}, highest {max_value} in {max_year}.").format(
                    series=label, first_value=number(s.first_value, d),
                    first_year=int(s.first_year), last_value=number(s.last_value, d),
                    last_year=int(s.last_year), max_value=number(s.max_value, d),
                    max_year=int(s.max_year)))
            flagged.update(_years(s.flagged_years))
            breaks.update(_years(s.break_years))
        if flagged:
            parts.append(_("Flagged values (diamonds): {years}.").format(
                years=", ".join(map(str, sorted(flagged)))))
        if breaks:
            parts.append(_("Series breaks (B): {years}.").format(
                years=", ".join(map(str, sorted(breaks)))))
        return " ".join(parts)

    def latest_table(self, iso3: str) -> Table:
        """Each indicator's most recent value for the country."""
        _ = self._
        latest = {r.indicator: r for r in self.latest.get(iso3, [])}
        rows = []
        for indicator in self.indicators.values():
            r = latest.get(indicator.id)
            if r is None:
                continue
            rows.append([
                Markup('<a href="#ind-{}">{}</a>').format(indicator.id, indicator.title),
                self.number(r.value, indicator.decimals), indicator.unit, int(r.year),
                self.method_label(r.method), _text(r.flags)])
        return Table([_("Indicator"), _("Value"), _("Unit"), _("Year"), _("Method"),
                      _("Flags")], rows, numeric={1, 3})

    def findings_table(self, findings: pd.DataFrame, root: str,
                       link_indicators: bool = False) -> Table:
        _ = self._
        rows = []
        for f in findings.itertuples(index=False):
            place = f.file + (f":{_text(f.row)}" if _text(f.row) else "")
            where = _text(f.field)
            if link_indicators and f.resource == "indicators" and where in self.indicators:
                where = Markup('<a href="#ind-{}">{}</a>').format(where, where)
            rows.append([self.severity_label(f.severity), Markup("<code>{}</code>").format(
                f.check), f.resource, place, where, _text(f.value), f.message])
        return Table([_("Severity"), _("Check"), _("Table"), _("File and row"), _("Field"),
                      _("Value"), _("Message")], rows, english={6})

    def country_sources(self, iso3: str, root: str) -> list[dict[str, Any]]:
        """The sources of the country's values, with the indicators each one feeds."""
        titles = dict(zip(self.data.sources["source_id"], self.data.sources["title"],
                          strict=True))
        feeds: dict[str, set[str]] = defaultdict(set)
        for source_id, indicator in self.country_source_ids.get(iso3, []):
            feeds[source_id].add(indicator)
        return [{"link": self.source_link(source_id, root),
                 "title": titles.get(source_id, source_id),
                 "indicators": [Markup('<a href="#ind-{}">{}</a>').format(
                     i, self.indicators[i].title) for i in self.indicators if i in indicators]}
                for source_id, indicators in sorted(feeds.items())]

    # ------------------------------------------------------------ overview

    def overview_page(self) -> str:
        _ = self._
        data = self.data
        years = ((int(data.best["year"].min()), int(data.best["year"].max()))
                 if len(data.best) else (0, 0))
        sections = []
        best_of = dict(tuple(data.best.groupby("indicator", sort=False)))
        regional_of = dict(tuple(data.regional.groupby("indicator", sort=False)))
        for indicator in self.indicators.values():
            best = best_of.get(indicator.id)
            regional = regional_of.get(indicator.id)
            sections.append({
                "indicator": indicator,
                "regional": (self.regional_figure(indicator, regional)
                             if regional is not None and indicator.aggregated else None),
                "ranked": self.ranked_figure(indicator, best) if best is not None else None,
                "grid": (self.grid_figure(indicator, best, _span(int(best["year"].min()),
                                                                 int(best["year"].max())))
                         if best is not None else None),
                "countries": 0 if best is None else best["iso3"].nunique(),
            })
        groups = []
        for subregion in SUBREGIONS:
            members = data.countries.loc[data.countries["subregion"] == subregion, "iso3"]
            groups.append((self.region_label(subregion),
                           sorted(members, key=lambda iso3: self.order[iso3])))
        return self.page(
            "index.html", "", _("OAS overview"), page="index", sections=sections,
            groups=groups, names=self.names, years=years, glance=self.glance_table(),
            value_count=len(data.series), country_count=len(data.countries),
            finding_count=len(data.findings))

    def glance_table(self) -> Table:
        """The OAS figure of each indicator's latest year, with its coverage."""
        _ = self._
        oas = self.data.regional[self.data.regional["grouping"] == "oas"]
        latest = oas.sort_values("year").groupby("indicator").tail(1).set_index("indicator")
        rows = []
        for indicator in self.indicators.values():
            states = self.data.best.loc[self.data.best["indicator"] == indicator.id, "iso3"]
            link = Markup('<a href="#ind-{}">{}</a>').format(indicator.id, indicator.title)
            if indicator.id in latest.index:
                r = latest.loc[indicator.id]
                rows.append([link, self.number(r["value"], indicator.decimals),
                             indicator.unit, int(r["year"]),
                             self.number.percent(r["population_coverage"]),
                             _("below the coverage threshold") if _text(r["flags"]) else "",
                             states.nunique()])
            else:
                rows.append([link, "", indicator.unit, "", "", _("not aggregated (a count)")
                             if not indicator.aggregated else "", states.nunique()])
        return Table([_("Indicator"), _("OAS value"), _("Unit"), _("Year"),
                      _("Population covered"), _("Note"), _("Member states with data")],
                     rows, numeric={1, 3, 4, 6})

    def regional_figure(self, indicator: Indicator, regional: pd.DataFrame) -> Figure:
        _ = self._
        threshold = self.data.coverage_threshold
        regions = ["OAS", *SUBREGIONS]
        labels = [self.region_label(r) for r in regions]
        frame = regional.assign(
            region=regional["region"].map(self.region_label),
            representative=regional["flags"].isna(),
            order=regional["region"].map({r: i for i, r in enumerate(regions)}),
            coverage=regional["population_coverage"]).sort_values(["order", "year"])
        frame["line_value"] = frame["value"].where(frame["representative"])
        template = self.renderer.template(
            charts.regional, tuple(labels), threshold, value_title=indicator.unit,
            coverage_title=_("% of population covered"), year_title=_("Year"),
            threshold_label=_("threshold {value}").format(
                value=self.number.percent(threshold, 0)))
        columns = ["region", "year", "value", "line_value", "representative", "coverage"]
        oas = frame[frame["grouping"] == "oas"]
        low = frame[~frame["representative"]]
        parts = [_("{indicator}: the OAS and its subregions, {first}-{last} ({unit}).").format(
            indicator=indicator.title, first=int(frame["year"].min()),
            last=int(frame["year"].max()), unit=indicator.unit)]
        if len(oas):
            parts.append(_("OAS: {first_value} in {first_year}, {last_value} in "
                           "{last_year}.").format(
                first_value=self.number(oas["value"].iloc[0], indicator.decimals),
                first_year=int(oas["year"].iloc[0]),
                last_value=self.number(oas["value"].iloc[-1], indicator.decimals),
                last_year=int(oas["year"].iloc[-1])))
        parts.append(_("{count} of {total} regional values cover less than {threshold} of "
                       "their region's population; they are hollow rings, off the line, and "
                       "the lower panel shows the coverage of every value.").format(
            count=len(low), total=len(frame), threshold=self.number.percent(threshold, 0)))
        description = " ".join(parts)
        svg = template.draw(charts.rows_json(frame[columns]), f"regional-{indicator.id}",
                            _("{indicator}: regional aggregates").format(
                                indicator=indicator.title), description)
        table = Table(
            [_("Region"), _("Year"), _("Value"), _("Member states with data"),
             _("Population covered"), _("Flags")],
            [[r.region, int(r.year), self.number(r.value, indicator.decimals),
              f"{int(r.countries_with_data)}/{int(r.countries_in_region)}",
              self.number.percent(r.coverage), _text(r.flags)]
             for r in frame.itertuples(index=False)], numeric={1, 2, 3, 4})
        key = [KeyItem("dot", _("representative value"), "#222222"),
               KeyItem("ring", _("below the coverage threshold: describes the reporting "
                                 "states only"), "#222222")]
        return Figure(f"regional-{indicator.id}", Markup(svg), description, table, key)

    def ranked_figure(self, indicator: Indicator, best: pd.DataFrame) -> Figure:
        _ = self._
        latest = best.sort_values("year").groupby("iso3").tail(1)
        latest = latest.sort_values(["value", "iso3"], ascending=[False, True])
        names = latest["iso3"].map(self.names)
        colour = latest["method"].map({"computed": charts.COMPUTED_COLOUR}).fillna(
            PUBLISHED_BAR_COLOUR)
        frame = pd.DataFrame({
            "label": names + " (" + latest["year"].astype(str) + ")",
            "value": latest["value"], "rank": range(len(latest)), "colour": colour,
            "outline": colour.where(latest["flags"].isna(), charts.FLAG_COLOUR)})
        top, bottom = latest.iloc[0], latest.iloc[-1]
        description = _("{indicator}, latest value of each of {count} member states "
                        "({unit}), highest first: highest {top} ({top_value}, {top_year}), "
                        "lowest {bottom} ({bottom_value}, {bottom_year}).").format(
            indicator=indicator.title, count=len(latest), unit=indicator.unit,
            top=self.names[top["iso3"]], top_value=self.number(top["value"],
                                                                 indicator.decimals),
            top_year=int(top["year"]), bottom=self.names[bottom["iso3"]],
            bottom_value=self.number(bottom["value"], indicator.decimals),
            bottom_year=int(bottom["year"]))
        template = self.renderer.template(charts.ranked, value_title=indicator.unit,
                                          value_format=indicator.value_format)
        svg = template.draw(charts.rows_json(frame), f"ranked-{indicator.id}",
                            _("{indicator}: latest value by member state").format(
                                indicator=indicator.title), description)
        table = Table(
            [_("Member state"), _("Value"), _("Year"), _("Method"), _("Flags")],
            [[Markup('<a href="country/{}.html">{}</a>').format(r.iso3, self.names[r.iso3]),
              self.number(r.value, indicator.decimals), int(r.year),
              self.method_label(r.method), _text(r.flags)]
             for r in latest.itertuples(index=False)], numeric={1, 2})
        key = []
        if (latest["method"] == "computed").any():
            key.append(KeyItem("bar", _("computed by hemisec"), charts.COMPUTED_COLOUR))
        if (latest["method"] != "computed").any():
            key.append(KeyItem("bar", _("published value"), PUBLISHED_BAR_COLOUR))
        if latest["flags"].notna().any():
            key.append(KeyItem("outline", _("flagged value"), charts.FLAG_COLOUR))
        return Figure(f"ranked-{indicator.id}", Markup(svg), description, table, key)

    def grid_figure(self, indicator: Indicator, best: pd.DataFrame,
                    years: tuple[int, int]) -> Figure:
        _ = self._
        previous = best.groupby("iso3")["year"].shift(1)
        following = best.groupby("iso3")["year"].shift(-1)
        frame = pd.DataFrame({
            "name": best["iso3"].map(self.names), "order": best["iso3"].map(self.order),
            "year": best["year"], "value": best["value"],
            "point": ~((previous == best["year"] - 1) | (following == best["year"] + 1)),
            "flagged": best["flags"].notna()})
        gaps = frame[(following > best["year"] + 1).fillna(False)].assign(
            year=lambda f: f["year"] + 1, value=None, point=False, flagged=False)
        frame = pd.concat([frame, gaps], ignore_index=True)
        count = best["iso3"].nunique()
        description = _("{indicator}, {first}-{last}: one panel per member state with a "
                        "value ({count}), in alphabetical order, all on the same scale "
                        "from 0 to {highest} {unit}.").format(
            indicator=indicator.title, first=years[0], last=years[1], count=count,
            highest=self.number(best["value"].max(), indicator.decimals),
            unit=indicator.unit)
        template = self.renderer.template(charts.small_multiples, title=indicator.unit,
                                          first_year=years[0], last_year=years[1])
        svg = template.draw(charts.rows_json(frame), f"grid-{indicator.id}",
                            _("{indicator}: trends by member state").format(
                                indicator=indicator.title), description)
        wide = best.pivot_table(index="iso3", columns="year", values="value", aggfunc="first")
        table = Table(
            [_("Member state"), *[str(int(y)) for y in wide.columns]],
            [[Markup('<a href="country/{}.html">{}</a>').format(iso3, self.names[iso3]),
              *[self.number(v, indicator.decimals) for v in values]]
             for iso3, values in sorted(wide.iterrows(), key=lambda x: self.order[x[0]])],
            numeric=set(range(1, len(wide.columns) + 1)))
        key = [KeyItem("line", _("best available value"), charts.COMPUTED_COLOUR)]
        if best["flags"].notna().any():
            key.append(KeyItem("diamond", _("flagged value"), charts.FLAG_COLOUR))
        return Figure(f"grid-{indicator.id}", Markup(svg), description, table, key)

    # ------------------------------------------------------------ quality and sources

    def quality_page(self) -> str:
        _ = self._
        from hemisec.checks import validate  # noqa: F401  (registers every check)
        from hemisec.findings import CHECKS

        findings = self.data.findings
        by_check = (findings.groupby(["check", "severity"], sort=False)
                    .agg(findings=("message", "size"), countries=("iso3", "nunique"),
                         tables=("resource", lambda r: ", ".join(sorted(set(r)))))
                    .reset_index())
        check_rows = [[Markup("<code>{}</code>").format(r.check),
                       self.severity_label(r.severity),
                       CHECKS[r.check].title_in(_) if r.check in CHECKS else "", r.tables,
                       self.number(r.findings, 0), r.countries]
                      for r in by_check.itertuples(index=False)]
        check_table = Table([_("Check"), _("Severity"), _("What it finds"), _("Tables"),
                             _("Findings"), _("Member states")], check_rows,
                            numeric={4, 5})
        located = findings[findings["iso3"].notna()]
        return self.page(
            "quality.html", "", _("Data quality"), page="quality",
            errors=int((findings["severity"] == "error").sum()),
            warnings=int((findings["severity"] == "warning").sum()),
            located=len(located), check_table=check_table,
            grid=self.findings_figure(located) if len(located) else None,
            unlocated=self.findings_table(findings[findings["iso3"].isna()], ""),
            coverage=self.coverage_figure(), coverage_table=self.coverage_table())

    def findings_figure(self, located: pd.DataFrame) -> Figure:
        _ = self._
        counts = located.groupby(["check", "iso3"]).size().rename("findings").reset_index()
        counts["country"] = counts["iso3"]
        counts["country_order"] = counts["iso3"].map(self.order)
        counts["dark"] = counts["findings"] > counts["findings"].max() ** 0.6
        top = counts.groupby("iso3")["findings"].sum().sort_values(ascending=False)
        description = _("Validation findings by check and member state: {count} findings "
                        "in {countries} member states; most in {top} ({top_count}).").format(
            count=int(counts["findings"].sum()), countries=len(top),
            top=self.names[top.index[0]], top_count=int(top.iloc[0]))
        template = self.renderer.template(charts.findings_grid, country_title=_("Member state"),
                                          check_title=_("Check"), legend_title=_("Findings"))
        svg = template.draw(charts.rows_json(counts), "findings-grid",
                            _("Findings by check and member state"), description)
        rows = [[Markup("<code>{}</code>").format(r.check),
                 Markup('<a href="country/{}.html#findings">{}</a>').format(
                     r.iso3, self.names[r.iso3]), self.number(r.findings, 0)]
                for r in counts.sort_values(["check", "country_order"]).itertuples(index=False)]
        table = Table([_("Check"), _("Member state"), _("Findings")], rows, numeric={2})
        return Figure("findings-grid", Markup(svg), description, table)

    def coverage_counts(self) -> pd.DataFrame:
        best = self.data.best
        counts = (best.groupby(["indicator", "year"])["iso3"].nunique().rename("countries")
                  .reset_index())
        counts["title"] = counts["indicator"].map(lambda i: self.indicators[i].title)
        counts["order"] = counts["indicator"].map(lambda i: self.indicators[i].position)
        return counts

    def coverage_figure(self) -> Figure | None:
        _ = self._
        counts = self.coverage_counts()
        if counts.empty:
            return None
        years = list(range(int(counts["year"].min()), int(counts["year"].max()) + 1))
        description = _("Member states with a value, by indicator and year, {first}-{last}: "
                        "darker cells have more member states (at most {total}).").format(
            first=years[0], last=years[-1], total=len(self.data.countries))
        template = self.renderer.template(
            charts.coverage_grid, tuple(years), year_title=_("Year"),
            indicator_title=_("Indicator"), legend_title=_("Member states with data"))
        svg = template.draw(charts.rows_json(counts), "coverage-grid",
                            _("Coverage by indicator and year"), description)
        wide = counts.pivot_table(index="indicator", columns="year", values="countries",
                                  aggfunc="first").reindex(columns=years)
        rows = [[self.indicators[i].title, *[_text(v) for v in values]]
                for i, values in sorted(wide.iterrows(),
                                        key=lambda x: self.indicators[x[0]].position)]
        table = Table([_("Indicator"), *map(str, years)], rows,
                      numeric=set(range(1, len(years) + 1)))
        return Figure("coverage-grid", Markup(svg), description, table)

    def coverage_table(self) -> Table:
        """Per indicator: the years covered and how many states have computed or
        published values."""
        _ = self._
        series = self.data.series
        summary = series.groupby(["indicator", "method"]).agg(
            countries=("iso3", "nunique"), values=("value", "size"),
            first=("year", "min"), last=("year", "max"))
        rows = []
        for indicator in self.indicators.values():
            cells = [indicator.title]
            for method in ("computed", "published"):
                if (indicator.id, method) in summary.index:
                    s = summary.loc[(indicator.id, method)]
                    cells += [int(s["countries"]), self.number(s["values"], 0),
                              f"{int(s['first'])}-{int(s['last'])}"]
                else:
                    cells += ["", "", ""]
            rows.append(cells)
        return Table([_("Indicator"), _("Member states, computed"), _("Values, computed"),
                      _("Years, computed"), _("Member states, published"),
                      _("Values, published"), _("Years, published")], rows,
                     numeric={1, 2, 4, 5})

    def sources_page(self) -> str:
        _ = self._
        series = self.data.series
        used = pd.concat([
            series[["numerator_source_id", "iso3"]].set_axis(["source_id", "iso3"], axis=1),
            series[["denominator_source_id", "iso3"]].set_axis(["source_id", "iso3"], axis=1),
        ]).dropna().reset_index()
        # A value whose numerator and denominator come from one source counts once.
        values = used.drop_duplicates(["index", "source_id"]).groupby("source_id").size()
        countries = (used[["source_id", "iso3"]].drop_duplicates().groupby("source_id")["iso3"]
                     .agg(list))
        fields = [("publisher", _("Publisher")), ("edition", _("Edition")),
                  ("release_date", _("Released")), ("licence", _("Licence")),
                  ("url", _("Address")), ("taken_from", _("Taken from")),
                  ("retrieved", _("Retrieved")), ("file", _("File")),
                  ("sha256", _("sha256")), ("citation", _("Cited as"))]
        entries = []
        for source in self.data.sources.to_dict("records"):
            source_id = source["source_id"]
            details = [(label, _text(source[name]), name) for name, label in fields
                       if _text(source[name])]
            members = sorted(countries.get(source_id, []), key=lambda iso3: self.order[iso3])
            entries.append({"id": source_id, "title": source["title"], "details": details,
                            "value_count": int(values.get(source_id, 0)),
                            "countries": [(iso3, self.names[iso3]) for iso3 in members]})
        return self.page("sources.html", "", _("Sources"), page="sources", entries=entries)

    # ------------------------------------------------------------ all pages

    def pages(self, countries: Collection[str] | None) -> Iterable[tuple[str, str]]:
        """(relative path, HTML) of every page; the country pages first, the overview
        last, so that a reader never finds an overview linking to missing pages."""
        data = self.data
        self.prepare_series()
        wanted = sorted(countries if countries is not None else data.countries["iso3"])
        findings_of = dict(tuple(data.findings.groupby("iso3", sort=False)))
        templates: dict[tuple[str, bool], charts.Template] = {}
        for iso3 in wanted:
            yield f"country/{iso3}.html", self.country_page(
                iso3, findings_of.get(iso3, data.findings.iloc[0:0]), templates)
        renderers = {"sources.html": self.sources_page, "quality.html": self.quality_page,
                     "index.html": self.overview_page}
        for name in SITE_PAGES:
            yield name, renderers[name]()


# --------------------------------------------------------------------------- writing


def _check_targets(out: Path, relative: Iterable[str]) -> None:
    """Refuse, before anything is written and again before anything moves, when a page
    would replace a folder or a folder of the site is a file: nothing the site does not
    write is ever removed."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file, not a folder: give --out a folder")
    for name in relative:
        target = out / name
        if target.is_dir():
            raise UsageError(f"{target} is a folder; the site would write a page there. "
                             "Move it away or choose another --out")
        for parent in target.relative_to(out).parents:
            folder = out / parent
            if folder.exists() and not folder.is_dir():
                raise UsageError(f"{folder} is a file; the site needs a folder there")


def _move_into(staging: Path, out: Path, relative: list[str]) -> None:
    """Put the new pages in place: the whole folder at once when --out is new, else
    page by page (each replacement atomic), the overview last."""
    if not out.exists():
        staging.rename(out)
        return
    for name in relative:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)


def write_site(database: Path, out: Path, language: str, *,
               countries: Collection[str] | None = None,
               translate: Callable[[str], str] | None = None) -> list[Path]:
    """Write the report site of `database` into `out`; return the pages written.

    The pages are written into a new folder beside `out` and moved in only when every
    page is written, so a failure leaves the previous site as it was. Files in `out`
    that the site does not write are left alone. `countries` limits the country pages
    (the overview still links to all); `translate` replaces the catalogue's gettext
    (tests use it to see which texts the pages ask for)."""
    out = Path(out)
    _check_targets(out, SITE_PAGES)  # before the database is read: a typo fails at once
    data = load(Path(database))
    known = set(data.countries["iso3"])
    unknown = sorted(set(countries or ()) - known)
    if unknown:
        raise UsageError(f"not a member state of the database: {', '.join(unknown)}")
    wanted = sorted(countries if countries is not None else known)
    _check_targets(out, [*(f"country/{iso3}.html" for iso3 in wanted), *SITE_PAGES])
    site = Site(data, language, translate)
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{out.name}-", suffix=".tmp", dir=out.parent))
    try:
        staging = scratch / "site"
        (staging / "country").mkdir(parents=True)
        written = []
        for name, html in site.pages(wanted):
            (staging / name).write_text(html, encoding="utf-8", newline="\n")
            written.append(name)
        _check_targets(out, written)
        _move_into(staging, out, written)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return [out / name for name in written]
