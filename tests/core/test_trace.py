from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from mallops.core.requirements_catalogue import load_catalogue
from mallops.core.trace import coverage


def test_catalogue_has_the_84_requirements():
    catalogue = load_catalogue()
    assert len(catalogue) == 84
    assert "R5.1.2" in catalogue


def test_coverage_counts_only_passing_known_ids(tmp_path):
    (tmp_path / "sqlite.json").write_text(
        json.dumps(
            {
                "tests": {
                    "tests/a.py::t1": {"outcome": "passed", "req": ["R5.1.2"]},
                    "tests/a.py::t2": {"outcome": "failed", "req": ["R5.1.3"]},
                }
            }
        )
    )
    (tmp_path / "postgres.json").write_text(
        json.dumps(
            {
                "tests": {
                    "tests/a.py::t1": {"outcome": "passed", "req": ["R5.1.2"]},
                    "tests/b.py::t3": {"outcome": "passed", "req": ["R1.1.1"]},
                }
            }
        )
    )
    report = coverage(tmp_path)
    assert report == {
        "total": 84,
        "covered": 2,
        "ids": {"R1.1.1": ["tests/b.py::t3"], "R5.1.2": ["tests/a.py::t1"]},
    }


def test_unknown_requirement_id_fails_collection(tmp_path):
    test_file = tmp_path / "test_bad_marker.py"
    test_file.write_text(
        textwrap.dedent("""
        import pytest

        @pytest.mark.req("R99.9.9")
        def test_x():
            assert len("ab") == 2
    """)
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "mallops.testing.pytest_req",
            "-p",
            "no:django",
            "-p",
            "no:xdist",
            "-c",
            "/dev/null",
            "--rootdir",
            str(tmp_path),
            str(test_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 4, result.stdout + result.stderr
    assert "R99.9.9" in result.stdout + result.stderr


@pytest.mark.req("R6.4.2")
def test_trace_cli_reports_json(tmp_path):
    (tmp_path / "run.json").write_text(
        json.dumps({"tests": {"t::x": {"outcome": "passed", "req": ["R2.3.5"]}}})
    )
    result = subprocess.run(
        [sys.executable, "-m", "mallops", "trace", "--json", "--dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"total": 84, "covered": 1, "ids": {"R2.3.5": ["t::x"]}}
