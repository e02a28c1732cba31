from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
ENTRY = "import sys; from mallops.workdays.cli import main; sys.exit(main(sys.argv[1:]))"


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "MALLOPS_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args], capture_output=True, text=True, env=env, timeout=60, check=False
    )


@pytest.mark.req("R5.1.4")
@pytest.mark.parametrize(
    ("start", "n", "printed"),
    [
        ("2026-09-30T10:00:00+08:00", "3", "2026-10-10T23:59:59+08:00"),
        ("2026-02-13T09:00:00Z", "3", "2026-02-25T23:59:59+08:00"),
        ("2026-02-13", "1", "2026-02-14T23:59:59+08:00"),
        ("2026-10-07T20:00:00+00:00", "1", "2026-10-09T23:59:59+08:00"),
    ],
)
def test_deadline_working_days(tmp_path: Path, start: str, n: str, printed: str) -> None:
    result = run("deadline", "--start", start, "--working-days", n, data_dir=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, printed + "\n", "")


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (["--start", "2026-02-13T17:00:00+08:00", "--business-hours", "1"], "2026-02-13T18:00:00+08:00"),
        (["--start", "2026-02-14T17:00:00+08:00", "--business-hours", "2"], "2026-02-24T10:00:00+08:00"),
        (["--start", "2026-03-02T07:00", "--business-hours", "0.25"], "2026-03-02T09:15:00+08:00"),
        (["--start", "2026-03-02T10:00:00.5", "--business-hours", "1"], "2026-03-02T11:00:01+08:00"),
        (["--start", "2026-03-02T10:00:00.4", "--business-hours", "1"], "2026-03-02T11:00:00+08:00"),
        (["--start", "2026-03-02T10:00", "--business-hours", "0.1"], "2026-03-02T10:06:00+08:00"),
        (
            ["--start", "2026-03-02T20:30", "--business-hours", "1.5", "--window", "08:00-21:00"],
            "2026-03-03T09:00:00+08:00",  # 30 min Mon, 1 h Tue from 08:00
        ),
        (["--start", "2026-10-01T10:00", "--business-hours", "3"], "2026-10-08T12:00:00+08:00"),
    ],
)
def test_deadline_business_hours(tmp_path: Path, args: list[str], printed: str) -> None:
    result = run("deadline", *args, data_dir=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, printed + "\n", "")


def test_uncovered_year_warns_and_succeeds(tmp_path: Path) -> None:
    result = run("deadline", "--start", "2026-12-31T12:00+08:00", "--working-days", "3", data_dir=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "2027-01-05T23:59:59+08:00\n"
    assert result.stderr == "warning: no holiday data for 2027; using Monday-Friday\n"


def test_each_uncovered_year_is_named(tmp_path: Path) -> None:
    result = run("deadline", "--start", "2027-12-31T10:00", "--business-hours", "9", data_dir=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "2028-01-03T10:00:00+08:00\n"
    assert result.stderr == (
        "warning: no holiday data for 2027; using Monday-Friday\n"
        "warning: no holiday data for 2028; using Monday-Friday\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["deadline", "--start", "2026-13-01", "--working-days", "1"],
        ["deadline", "--start", "yesterday", "--working-days", "1"],
        ["deadline", "--start", "2026-03-02", "--working-days", "0"],
        ["deadline", "--start", "2026-03-02", "--working-days", "-2"],
        ["deadline", "--start", "2026-03-02", "--working-days", "1.5"],
        ["deadline", "--start", "2026-03-02", "--business-hours", "0"],
        ["deadline", "--start", "2026-03-02", "--business-hours", "-1"],
        ["deadline", "--start", "2026-03-02", "--business-hours", "nan"],
        ["deadline", "--start", "2026-03-02", "--business-hours", "abc"],
        ["deadline", "--start", "2026-03-02", "--business-hours", "1", "--window", "18:00-09:00"],
        ["deadline", "--start", "2026-03-02", "--business-hours", "1", "--window", "9-18"],
        ["deadline", "--start", "2026-03-02", "--working-days", "1", "--window", "09:00-18:00"],
        ["deadline", "--start", "2026-03-02", "--working-days", "1", "--business-hours", "1"],
        ["deadline", "--start", "2026-03-02"],
        ["deadline", "--working-days", "1"],
        ["deadline", "--start", "1990-03-02", "--working-days", "1"],
        ["deadline", "--start", "9999-12-30", "--working-days", "5"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_input_exits_2_with_one_message(tmp_path: Path, args: list[str]) -> None:
    result = run(*args, data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


def test_import_then_deadline_uses_imported_year(tmp_path: Path) -> None:
    source = tmp_path / "2027.csv"
    source.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-01-04,holiday,test\n", encoding="utf-8")
    imported = run("import", str(source), data_dir=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith("imported 2027: 2 holidays, 0 make-up workdays -> ")
    stored = json.loads((tmp_path / "calendar" / "2027.json").read_text(encoding="utf-8"))
    assert stored["holidays"][0] == {"date": "2027-01-01", "name": "元旦"}
    result = run("deadline", "--start", "2026-12-31T12:00", "--working-days", "1", data_dir=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "2027-01-05T23:59:59+08:00\n", "")
    years = run("years", data_dir=tmp_path)
    assert years.stdout.splitlines()[-2:] == ["2026 chinese-calendar", "2027 import"]


def test_import_rejects_bad_file_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text(
        json.dumps({"year": 2027, "holidays": ["2027-01-01"], "makeup_workdays": ["2027-01-05"]})
    )
    result = run("import", str(source), data_dir=tmp_path)
    assert result.returncode == 2
    assert "2027-01-05 is a Tuesday" in result.stderr
    assert not (tmp_path / "calendar").exists()
    missing = run("import", str(tmp_path / "nope.json"), data_dir=tmp_path)
    assert missing.returncode == 2


def test_broken_stored_file_exits_1(tmp_path: Path) -> None:
    (tmp_path / "calendar").mkdir()
    (tmp_path / "calendar" / "2027.json").write_text("{not json")
    result = run("deadline", "--start", "2026-03-02", "--working-days", "1", data_dir=tmp_path)
    assert result.returncode == 1
    assert "2027.json" in result.stderr


def test_show_year(tmp_path: Path) -> None:
    result = run("show", "--year", "2026", data_dir=tmp_path)
    assert result.returncode == 0
    shown = json.loads(result.stdout)
    assert shown["year"] == 2026
    assert len(shown["holidays"]) == 33
    assert shown["makeup_workdays"] == [
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    ]  # fmt: skip
    assert run("show", "--year", "2030", data_dir=tmp_path).returncode == 2
