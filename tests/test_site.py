"""The offline report site, as its readers use it: a page per member state, the demo
banner, findings and sources on each country page, links that lead somewhere, nothing
fetched from the network, pages in the reader's language, charts that Chromium draws
without a console error, and a site that a failed run never leaves half-written."""

from __future__ import annotations

import os
import re
import shutil
import string
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import duckdb
import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from hemisec.errors import UsageError
from hemisec.publish import charts, site
from hemisec.publish.screenshots import Browser, find_chromium
from hemisec.translate import catalogue_path, translator

CHROMIUM = find_chromium()
IN_CI = bool(os.environ.get("CI"))
TEMPLATES = Path(site.__file__).parent / "templates"


def _quick_draw(self: charts.Template, rows: list, chart_id: str, title: str,
                description: str, signals: dict | None = None) -> str:
    """A stand-in for vl-convert where a test is about the pages, not the charts: drawing
    the demo's 500 charts takes most of the 8 s a site takes."""
    return charts.accessible_svg('<svg class="marks" width="4" height="4"><path d="M0,0L4,4"/>'
                                 "</svg>", chart_id, title, description)


def _quick_template(self: charts.Renderer, builder: object, *fixed: object,
                    **filled: object) -> charts.Template:
    """No chart to compile where none is drawn."""
    return charts.Template({"data": []}, self)


def _no_charts(patch: pytest.MonkeyPatch) -> None:
    patch.setattr(charts.Renderer, "template", _quick_template)
    patch.setattr(charts.Template, "draw", _quick_draw)


@pytest.fixture(scope="module")
def demo_site(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The English site of the demo build, every page, with the charts stubbed."""
    out = tmp_path_factory.mktemp("report") / "site"
    with pytest.MonkeyPatch.context() as patch:
        _no_charts(patch)
        return out, site.write_site(demo_db, out, "en")


@pytest.fixture(scope="module")
def drawn_site(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same site with its charts drawn by vl-convert: the overview (every kind of
    chart), the quality and sources pages, and two member states."""
    out = tmp_path_factory.mktemp("drawn") / "site"
    site.write_site(demo_db, out, "en", countries=["MEX", "HTI"])
    return out


@pytest.fixture(scope="module")
def spanish_site(demo_db: Path, demo_site: tuple[Path, list[Path]],
                 tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str], dict]:
    """Spanish pages for two member states (charts stubbed), written over a copy of the
    English site that also holds a file of its own; every text the pages asked to
    translate; and the folder's files before."""
    asked: set[str] = set()
    spanish = translator("es")

    def recording(text: str) -> str:
        asked.add(text)
        return spanish(text)

    out = tmp_path_factory.mktemp("informe") / "sitio"
    shutil.copytree(demo_site[0], out)
    (out / "notas.txt").write_text("mine", encoding="utf-8")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.MonkeyPatch.context() as patch:
        _no_charts(patch)
        site.write_site(demo_db, out, "es", translate=recording, countries=["MEX", "CAN"])
    return out, asked, before


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


@dataclass
class _Links:
    """A page's links, its ids, and every element that would load something."""

    links: list[str]
    ids: set[str]
    loads: list[str]


#: Elements that fetch what they point to (an <a> is only followed when clicked).
_LOADING = re.compile(r"<(?:script|link|img|iframe|frame|embed|object|source|video|audio|"
                      r"track|image|use|feimage)\b[^>]*>|\s(?:src|srcset|poster|data)\s*=",
                      re.I)


def _links(page: Path) -> _Links:
    """The page read with patterns, not a parser: the pages are hemisec's own, always
    double-quoted, and a parser takes seconds over the demo's 10 MB."""
    text = page.read_text(encoding="utf-8")
    return _Links(re.findall(r'<a\b[^>]*?\bhref="([^"]*)"', text),
                  set(re.findall(r'\bid="([^"]+)"', text)), _LOADING.findall(text))


@pytest.fixture(scope="module")
def parsed(demo_site: tuple[Path, list[Path]]) -> dict[Path, _Links]:
    """Every page of the demo site, read once."""
    return {page.resolve(): _links(page) for page in _pages(demo_site[0])}


def _findings_by_country(database: Path) -> dict[str, int]:
    data = site.load(database)
    return data.findings.groupby("iso3").size().to_dict()


# ----------------------------------------------------------------------------- pages


def test_every_member_state_has_a_page(demo_db: Path, demo_site: tuple[Path, list[Path]]) -> None:
    out, pages = demo_site
    with duckdb.connect(str(demo_db), read_only=True) as con:
        members = {iso3 for (iso3,) in con.execute("SELECT iso3 FROM countries").fetchall()}
    assert len(members) == 35
    assert {p.stem for p in (out / "country").glob("*.html")} == members
    assert sorted(pages) == _pages(out)
    assert {p.name for p in out.glob("*.html")} == {"index.html", "quality.html", "sources.html"}


def test_the_demo_says_it_is_synthetic_on_every_page(
        demo_site: tuple[Path, list[Path]]) -> None:
    for page in _pages(demo_site[0]):
        text = page.read_text(encoding="utf-8")
        assert '<p class="banner" role="note"><strong>Synthetic demo data.</strong>' in text, page


def test_country_pages_list_their_findings_and_sources(
        demo_db: Path, demo_site: tuple[Path, list[Path]]) -> None:
    out = demo_site[0]
    expected = _findings_by_country(demo_db)
    assert sum(expected.values()) > 400  # the demo's findings are almost all located
    for page in (out / "country").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        findings = text.split('<section id="findings"', 1)[1].split("</section>", 1)[0]
        count = expected.get(page.stem, 0)
        assert findings.count("<tr>") == count + (1 if count else 0), page  # + the header
        sources = text.split('<section id="sources"', 1)[1].split("</section>", 1)[0]
        assert 'href="../sources.html#source-hemisec-synthetic-demo"' in sources, page
    # Every finding is on a page: its member state's, or the quality page's list of the
    # rest (a table with a header and no rows names no member state).
    quality = (out / "quality.html").read_text(encoding="utf-8")
    rest = quality.split('<section id="unlocated"', 1)[1].split("</section>", 1)[0]
    with duckdb.connect(str(demo_db), read_only=True) as con:
        total = con.execute("SELECT count(*) FROM validation_findings").fetchone()[0]
    assert sum(expected.values()) + rest.count("<tr>") - 1 == total
    assert "table-empty" in rest
    mexico = (out / "country" / "MEX.html").read_text(encoding="utf-8")
    assert "MEX &#39;Homicidio doloso&#39; is narrower than ICCS 0101" in mexico
    with duckdb.connect(str(demo_db), read_only=True) as con:
        iso3, message = con.execute(
            "SELECT h.iso3, f.message FROM validation_findings f JOIN homicide h "
            "ON f.resource = 'homicide' AND h.input_row = f.row ORDER BY f.row LIMIT 1"
        ).fetchone()
    assert message in (out / "country" / f"{iso3}.html").read_text(encoding="utf-8")


def test_links_lead_to_pages_and_anchors_that_exist(parsed: dict[Path, _Links]) -> None:
    checked = 0
    for page, links in parsed.items():
        for href in links.links:
            parts = urlsplit(href)
            if parts.scheme in {"http", "https", "mailto"}:
                continue
            assert not parts.scheme and not parts.netloc, (page, href)
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), (page, href)
            if parts.fragment:
                assert parts.fragment in parsed[target].ids, (page, href)
            checked += 1
    assert checked > 35 * 20


def test_nothing_is_loaded_from_the_network(parsed: dict[Path, _Links], drawn_site: Path,
                                             tmp_path: Path) -> None:
    fetching = tmp_path / "fetching.html"
    fetching.write_text('<link rel="stylesheet" href="https://cdn.example/x.css">'
                        '<p><img alt="" src="https://example.org/y.png"></p>', encoding="utf-8")
    assert len(_links(fetching).loads) == 2  # the check sees what it looks for
    drawn = {page: _links(page) for page in _pages(drawn_site)}
    for page, links in {**parsed, **drawn}.items():
        text = page.read_text(encoding="utf-8")
        assert links.loads == [], page
        assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", text), page
        assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""",
                             re.sub(r'<a\b[^>]*>', "", text)), page


def test_every_chart_has_a_text_alternative_and_a_data_table(drawn_site: Path) -> None:
    mexico = (drawn_site / "country" / "MEX.html").read_text(encoding="utf-8")
    figures = re.findall(r'<figure class="chart-figure".*?</figure>', mexico, re.S)
    assert len(figures) == 13
    for figure in figures:
        svg = re.search(r"<svg[^>]*class=\"marks chart\"[^>]*>", figure).group(0)
        chart_id = re.search(r'aria-labelledby="(\S+)-title', svg).group(1)
        assert 'role="img"' in svg
        assert f'<title id="{chart_id}-title">' in figure
        assert re.search(f'<desc id="{chart_id}-desc">[^<]{{40,}}</desc>', figure)
        assert "<details class=\"data\">" in figure and "<table>" in figure
    # Axis titles with the catalogue's unit, and no clip path shared between two charts.
    assert "victims per 100,000 population</text>" in mexico
    for page in _pages(drawn_site):
        ids = re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8"))
        assert len(ids) == len(set(ids)), page


def test_trend_chart_marks_published_series_flags_and_breaks(
        demo_db: Path, tmp_path: Path) -> None:
    """Computed and published series on one chart, flagged values as diamonds, a break as a
    rule: the demo has neither published values nor breaks, so a copy of it gets some."""
    database = tmp_path / "changed.duckdb"
    shutil.copy(demo_db, database)
    with duckdb.connect(str(database)) as con:
        con.execute("""
            INSERT INTO indicators (iso3, year, indicator, method, value, unit, obs_status,
                                    source, numerator_source_id)
            SELECT iso3, year, indicator, 'published', round(value, 1) + 0.5, unit, 'A',
                   'Test publisher', 'hemisec-synthetic-demo'
            FROM indicators WHERE iso3 = 'MEX' AND indicator = 'homicide_rate'
              AND method = 'computed' AND year BETWEEN 2005 AND 2015""")
        con.execute("UPDATE indicators SET obs_status = 'B' WHERE iso3 = 'MEX' "
                    "AND indicator = 'homicide_rate' AND method = 'computed' AND year = 2010")
        flagged = con.execute("SELECT count(*) FROM indicators WHERE iso3 = 'MEX' AND "
                              "indicator = 'homicide_rate' AND flags IS NOT NULL").fetchone()[0]
    pages = site.Site(site.load(database), "es")
    indicator = pages.indicators["homicide_rate"]
    pages.prepare_series()
    section = pages.indicator_section("MEX", indicator, pages.trend_template(indicator, True))
    svg = str(section["figure"].svg)
    lines = re.findall(r'<g class="mark-line role-mark[^>]*>(.*?)</g>', svg, re.S)
    assert len(lines) == 2  # computed and published
    assert sum('stroke-dasharray="6,3"' in line for line in lines) == 1
    assert len(re.findall(r'stroke="#c0392b"', svg)) == flagged > 0
    assert re.search(r'<g class="mark-rule role-mark[^>]*><line', svg)  # the break
    labels = [item.label for item in section["figure"].key]
    assert "ruptura de serie (B)" in labels and "Publicado por hemisec" in labels
    assert section["breaks"] == [2010]
    assert "Rupturas de serie (B): 2010." in section["figure"].caption
    assert ">Año</text>" in svg  # the axes in Spanish, and the numbers too
    assert any(re.fullmatch(r"\d+,\d", row[2]) for row in section["figure"].table.rows)


# ----------------------------------------------------------------------------- language


def test_the_spanish_site_is_in_spanish(spanish_site: tuple[Path, set[str], dict]) -> None:
    out = spanish_site[0]
    index = (out / "index.html").read_text(encoding="utf-8")
    mexico = (out / "country" / "MEX.html").read_text(encoding="utf-8")
    quality = (out / "quality.html").read_text(encoding="utf-8")
    assert index.startswith('<!DOCTYPE html>\n<html lang="es">')
    assert "<strong>Datos sintéticos de demostración.</strong>" in index
    assert "Panorama de la OEA" in index and "Tasa de homicidios intencionales" in index
    assert ">México</a>" in index and "<h1>México" in mexico
    assert "víctimas por cada 100.000 habitantes" in mexico
    assert "Hallazgos de la validación" in mexico and "Calidad de los datos" in quality
    for english in ("Member states", "Latest values", "Data table", "Validation findings"):
        assert english not in index + mexico + quality
    # Texts from the database stay English, and say so.
    assert '<td lang="en">' in mexico and '<p lang="en">' in index


def _site_msgids() -> set[str]:
    """Every text the site's code and templates ask to translate."""
    found = set()
    sources = [(Path(site.__file__), "python")] + [
        (path, "jinja2.ext:babel_extract") for path in sorted(TEMPLATES.glob("*.html"))]
    for path, method in sources:
        with path.open("rb") as handle:
            found |= {message for _, message, _, _ in extract(method, handle,
                                                              keywords={"_": None})}
    return found


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_of_the_site_is_translated(
        spanish_site: tuple[Path, set[str], dict]) -> None:
    wanted = _site_msgids() | spanish_site[1]
    assert len(wanted) > 140 and "Intentional homicide rate" in spanish_site[1]
    for language in ("es", "fr", "pt"):
        with catalogue_path(language).open("rb") as handle:
            catalogue = {m.id: m for m in read_po(handle, locale=language) if m.id}
        missing = sorted(t for t in wanted if t not in catalogue or not catalogue[t].string
                         or catalogue[t].fuzzy)
        assert missing == [], f"{language}: no translation for {missing}"
        broken = sorted(t for t in wanted if _placeholders(t)
                        != _placeholders(catalogue[t].string))
        assert broken == [], f"{language}: placeholders differ in {broken}"


# ----------------------------------------------------------------------------- as a person sees it


def _chart_svgs(dom: str) -> list[str]:
    return re.findall(r'<svg[^>]*class="marks chart".*?</svg>', dom, re.S)


def _drew_marks(svg: str) -> bool:
    """A chart drew something: a mark group holding a path with a shape, or a line."""
    groups = re.findall(r'<g class="mark-(?:line|rect|symbol|area|rule)[^"]*role-mark[^>]*>'
                        r'(.*?)</g>', svg, re.S)
    return any(re.search(r'<path[^>]* d="M[^"]+"|<line\b', group) for group in groups)


@pytest.mark.skipif(CHROMIUM is None and not IN_CI,
                    reason="Chromium is not installed (make chromium); CI requires it")
def test_pages_as_a_person_sees_them(drawn_site: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None, "CI is set but Chromium is missing: run `make chromium`"
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html><body><p>broken</p><img alt='' src='gone.png'>"
                      "<script>notAFunction();</script></body></html>", encoding="utf-8")
    pages = [drawn_site / "index.html", drawn_site / "country" / "MEX.html",
             drawn_site / "country" / "HTI.html"]
    with Browser(CHROMIUM) as browser:
        views = [browser.view(page, tmp_path / f"{page.stem}.png") for page in pages]
        seen = browser.view(broken).console
    # What the check looks at does show a broken page's errors and failed loads.
    assert any("Uncaught ReferenceError: notAFunction" in line for line in seen), seen
    assert any("ERR_FILE_NOT_FOUND" in line and "gone.png" in line for line in seen), seen
    for page, view in zip(pages, views, strict=True):
        assert view.console == [], (page, view.console)
        svgs = _chart_svgs(view.dom)
        assert len(svgs) == page.read_text(encoding="utf-8").count('class="marks chart"'), page
        assert len(svgs) >= 10, page
        empty = [re.search(r"<title[^>]*>([^<]*)", svg).group(1) for svg in svgs
                 if not _drew_marks(svg)]
        assert empty == [], (page, empty)
        assert view.screenshot.stat().st_size > 30_000, page  # more than a blank page


# ----------------------------------------------------------------------------- writing


def test_not_a_hemisec_build_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not a database hemisec can read"):
        site.write_site(text, tmp_path / "out", "en")
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t (x INTEGER)")
    with pytest.raises(UsageError, match="is not a hemisec build"):
        site.write_site(other, tmp_path / "out", "en")
    older = tmp_path / "older.duckdb"
    with duckdb.connect(str(older)) as con:
        for table, columns in site.REQUIRED_COLUMNS.items():
            kept = [c for c in columns if not (table == "indicators" and c == "flags")]
            declared = ", ".join(f'"{c}" VARCHAR' for c in kept)
            con.execute(f"CREATE TABLE {table} ({declared})")
    with pytest.raises(UsageError, match=r"another version of hemisec.*indicators lacks flags"):
        site.write_site(older, tmp_path / "out", "en")
    assert not (tmp_path / "out").exists()


def test_a_run_replaces_its_own_pages_only(spanish_site: tuple[Path, set[str], dict]) -> None:
    out, _, before = spanish_site
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    replaced = sorted(p.relative_to(out).as_posix() for p in after if after[p] != before[p])
    assert replaced == ["country/CAN.html", "country/MEX.html", "index.html", "quality.html",
                        "sources.html"]
    assert set(after) == set(before)  # nothing removed, nothing left behind
    assert (out / "notas.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in out.parent.iterdir()) == ["sitio"]  # no temporary left


def test_a_failed_run_leaves_the_previous_site_as_it_was(
        demo_db: Path, demo_site: tuple[Path, list[Path]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _no_charts(monkeypatch)
    out = tmp_path / "report"
    shutil.copytree(demo_site[0], out)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def fail(self: site.Site) -> str:
        raise RuntimeError("disk on fire")

    # The overview is written last: every other page is ready when it fails.
    monkeypatch.setattr(site.Site, "overview_page", fail)
    with pytest.raises(RuntimeError, match="disk on fire"):
        site.write_site(demo_db, out, "es", countries=["MEX"])
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temporary left


def test_what_is_in_the_way_is_never_replaced(demo_db: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _no_charts(monkeypatch)
    out = tmp_path / "report"
    (out / "index.html").mkdir(parents=True)
    (out / "index.html" / "keep.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(UsageError, match=r"index\.html is a folder"):
        site.write_site(demo_db, out, "en", countries=["MEX"])
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "index.html", "index.html/keep.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="is a file"):
        site.write_site(demo_db, a_file, "en", countries=["MEX"])
    with pytest.raises(UsageError, match="not a member state"):
        site.write_site(demo_db, tmp_path / "other", "en", countries=["XXX"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "report"]
