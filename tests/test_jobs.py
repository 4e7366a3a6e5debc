"""The spark-submit entry points are thin and parse their arguments."""

import subprocess
import sys
from pathlib import Path

import pytest

from bansos360.bronze.job import build_parser

JOBS = Path(__file__).resolve().parents[1] / "jobs"


@pytest.mark.parametrize("kind", ["dtks", "kpm", "disabilitas", "usulan", "all"])
def test_job_help_runs_without_spark(kind):
    res = subprocess.run([sys.executable, str(JOBS / f"ingest_{kind}.py"), "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "--conf" in res.stdout


def test_kpm_job_requires_program():
    with pytest.raises(SystemExit):
        build_parser("kpm").parse_args(["--file", "x.xlsx"])
    assert build_parser("kpm").parse_args(["--file", "x.xlsx", "--program", "PKH"]).program == "PKH"
