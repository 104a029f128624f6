"""Fuzzing the command line with mutated submissions: whatever the bytes, cells, rows,
encodings, column order or headers, `hemisec validate` answers with exit 0 or 1 and a
report, or 2 and one line; never a traceback."""

from __future__ import annotations

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hemisec.cli import app
from tests.submissions import colombia

BASE = colombia()["homicide"].head(12)
RUNNER = CliRunner()


def _mutate(draw: st.DrawFn) -> bytes:
    frame = BASE.copy()
    columns = draw(st.permutations(list(frame.columns)))
    frame = frame[columns]
    if draw(st.booleans()):  # a cell replaced by something people or tools write
        row = draw(st.integers(0, len(frame) - 1))
        column = draw(st.sampled_from(columns))
        frame.loc[row, column] = draw(st.one_of(
            st.text(max_size=30), st.sampled_from(
                ["2**70", "1e400", "nan", "-0", "9.494", "1\u00a0000", "\u0661\u0662",
                 "=SUM(A1)", '"', "\x00", "\x1b[2J", "0101 ", " ", ".."])))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    text = frame.to_csv(index=False, sep=delimiter, lineterminator=draw(
        st.sampled_from(["\n", "\r\n", "\r"])))
    lines = text.splitlines(keepends=True)
    if draw(st.booleans()):  # a row removed, doubled, cut or padded
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "double", "cut", "pad"]))
        line = lines[index]
        lines[index] = {"drop": "", "double": line * 2, "cut": line[: len(line) // 2],
                        "pad": line.rstrip("\r\n") + delimiter * 3 + "\n"}[action]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    data = "".join(lines).encode(encoding, errors="replace")
    if draw(st.booleans()):  # bytes flipped or cut anywhere
        position = draw(st.integers(0, max(0, len(data) - 1)))
        data = data[:position] + draw(st.binary(max_size=8)) + data[position + 1:]
    return data


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.composite(_mutate)(), name=st.sampled_from(["homicide.csv", "HOMICIDE.TXT"]))
def test_validate_keeps_its_contract_on_mutated_submissions(data, name, tmp_path) -> None:
    folder = tmp_path / "sub"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    (folder / name).write_bytes(data)
    started = time.perf_counter()
    result = RUNNER.invoke(app, ["validate", str(folder), "--format", "json"])
    assert time.perf_counter() - started < 30
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception)
    if result.exit_code in (0, 1):
        report = json.loads(result.stdout)
        assert report["valid"] is (result.exit_code == 0)
        assert all(f["row"] is None or f["row"] >= 1 for f in report["findings"])
