"""A table in series order is read in file order by the series and key checks; in any
other order it is sorted. Both ways must give the same findings."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hemisec.checks.plausibility as plausibility
import hemisec.checks.series_order as series_order
import hemisec.checks.structural as structural
from hemisec.checks.validate import validate
from hemisec.publish.report import render_json

HEADER = ["iso3", "year", "national_code", "national_label", "counting_unit", "value",
          "obs_status", "source", "note"]


def _sorted_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks as they run on a table in any order: sorted by series and year."""
    for module in (structural, plausibility):
        monkeypatch.setattr(module, "in_series_order", lambda table: False)


def _findings_both_ways(folder: Path, monkeypatch: pytest.MonkeyPatch
                        ) -> tuple[list[dict], list[dict], list[bool]]:
    answers: list[bool] = []
    asked = series_order.in_series_order

    def recorded(table):
        answers.append(asked(table))
        return answers[-1]

    with monkeypatch.context() as patched:
        for module in (structural, plausibility):
            patched.setattr(module, "in_series_order", recorded)
        in_order = json.loads(render_json(validate([folder])))["findings"]
    with monkeypatch.context() as patched:
        _sorted_always(patched)
        sorted_ = json.loads(render_json(validate([folder])))["findings"]
    return in_order, sorted_, answers


def _write(folder: Path, rows: list[list[str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "national_offences.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return folder


def _row(iso3: str, year: str, code: str, unit: str, value: str) -> list[str]:
    return [iso3, year, code, "Category " + code, unit, value, "", "police", ""]


series = st.tuples(st.sampled_from(["ARG", "BRA", "", "XXX"]),
                   st.sampled_from(["N1", "N2"]), st.sampled_from(["offences", "persons"]))
figure = st.one_of(st.integers(0, 400).map(str), st.sampled_from(["", "-3", "1.5", "abc"]))
year = st.one_of(st.integers(2000, 2012).map(str), st.sampled_from(["", "20x1"]))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(blocks=st.lists(st.tuples(series, st.lists(st.tuples(year, figure), max_size=8,
                                                     unique_by=lambda y: y[0])),
                       min_size=1, max_size=5),
       shuffle=st.booleans(), data=st.randoms(use_true_random=False))
def test_series_order_changes_no_finding(blocks, shuffle: bool, data, tmp_path_factory,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Series written as blocks of years (often rising, with gaps, missing or
    unreadable years and figures, a series split in two blocks so its keys repeat, empty
    key cells), in that order or shuffled: the findings are the same whether the checks
    may read the table in file order or always sort it."""
    rows = []
    for (iso3, code, unit), years in blocks:
        for when, value in sorted(years) if data.random() < 0.7 else years:
            rows.append(_row(iso3, when, code, unit, value))
    if shuffle:
        data.shuffle(rows)
    folder = _write(tmp_path_factory.mktemp("series"), rows)
    in_order, sorted_, _ = _findings_both_ways(folder, monkeypatch)
    assert in_order == sorted_


def test_a_table_in_series_order_is_read_in_file_order(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Series after series, years rising with a gap, a missing figure and a jump: the
    file-order reading is taken, and reports the jump, the gap, and no change across
    the missing figure or from one series to the next."""
    rows = [_row("ARG", "2001", "N1", "offences", "100"),
            _row("ARG", "2002", "N1", "offences", "400"),   # +300%
            _row("ARG", "2003", "N1", "offences", ""),      # no figure: required cell
            _row("ARG", "2004", "N1", "offences", "50"),    # not a change from 400
            _row("ARG", "2007", "N1", "offences", "52"),    # gap 2005-2006
            _row("BRA", "2001", "N1", "offences", "900")]   # another series
    in_order, sorted_, answers = _findings_both_ways(_write(tmp_path, rows), monkeypatch)
    assert answers and all(answers)
    assert in_order == sorted_
    seen = {(f["check"], f["row"]) for f in in_order}
    assert ("year-on-year-change", 3) in seen and ("series-gap", 6) in seen
    assert ("missing-value", 4) in seen
    assert not any(c == "year-on-year-change" and r in (5, 6, 7) for c, r in seen)


@pytest.mark.parametrize("rows", [
    # Years going back within a series.
    [_row("ARG", "2002", "N1", "offences", "1"), _row("ARG", "2001", "N1", "offences", "1")],
    # A series in two blocks.
    [_row("ARG", "2001", "N1", "offences", "1"), _row("BRA", "2001", "N1", "offences", "1"),
     _row("ARG", "2002", "N1", "offences", "1")],
    # A repeated key, and an empty key cell.
    [_row("ARG", "2001", "N1", "offences", "1"), _row("ARG", "2001", "N1", "offences", "2")],
    [_row("ARG", "2001", "N1", "offences", "1"), _row("", "2002", "N1", "offences", "2")],
])
def test_other_orders_are_sorted(rows: list[list[str]], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    in_order, sorted_, answers = _findings_both_ways(_write(tmp_path, rows), monkeypatch)
    assert answers and not any(answers)
    assert in_order == sorted_
