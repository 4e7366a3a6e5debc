"""Shared ``main`` of the bronze spark-submit jobs (``jobs/ingest_*.py``) and Airflow tasks.

Only this function is impure: it parses arguments, builds the session, runs one load and prints
its summary as one JSON line (Airflow pushes the last stdout line to XCom).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bansos360.errors import BansosError
from bansos360.log import setup_logging


def build_parser(kind: str) -> argparse.ArgumentParser:
    """Arguments of the job for ``kind`` (dtks, kpm, disabilitas, usulan, all)."""
    p = argparse.ArgumentParser(prog=f"ingest_{kind}", description=f"Land {kind} raw files in bronze Delta tables.")
    if kind == "all":
        p.add_argument("--raw", type=Path, required=True, help="folder laid out like the generator's output")
    else:
        p.add_argument("--file", type=Path, required=True)
    if kind == "kpm":
        p.add_argument("--program", required=True, help="program code from conf/settings.yaml")
    elif kind != "all":
        p.add_argument("--period", required=True, help="period YYYY-MM")
    p.add_argument("--conf", type=Path, default=None)
    p.add_argument("--lakehouse", type=Path, default=None)
    p.add_argument("--reports", type=Path, default=Path("reports"))
    p.add_argument("--force", action="store_true", help="reload even if the same file is already loaded")
    p.add_argument("--no-profile", action="store_true")
    return p


def main(kind: str, argv: list[str] | None = None) -> int:
    """Run one bronze ingest job; exit code 2 with a one-line reason on a bad input."""
    from bansos360.bronze import load
    from bansos360.config import Config
    from bansos360.spark import get_spark

    args = build_parser(kind).parse_args(argv)
    log = setup_logging()
    try:
        cfg = Config(args.conf)
        cfg.validate_all()
        loader = load.BronzeLoader(get_spark(f"bansos360-ingest-{kind}"), cfg, lake=args.lakehouse,
                                   reports_dir=args.reports, profile=not args.no_profile)
        if kind == "all":
            results = load.ingest_all(loader, args.raw, args.force)
        elif kind == "dtks":
            results = [load.ingest_dtks(loader, args.file, args.period, args.force)]
        elif kind == "kpm":
            results = [load.ingest_kpm(loader, args.file, args.program, args.force)]
        else:
            results = [load.ingest_kind(loader, kind, args.file, args.period, args.force)]
    except BansosError as exc:
        log.error("%s", exc)
        print(json.dumps({"status": "failed", "error": str(exc)}))
        return 2
    for r in results:
        print(json.dumps(r.summary(), default=str))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1], sys.argv[2:]))
