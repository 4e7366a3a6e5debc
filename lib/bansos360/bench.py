"""Benchmark: per-stage time, throughput and peak memory at several scales, written to bench/results/.

Stages measured so far: generate, bronze (every file, first load), bronze re-run (all no-ops).
Silver, gold, publish and the DuckDB baseline join as their issues land. Speed targets live here,
never in timed tests. Peak memory is the largest RSS of this process plus its children (the JVM),
sampled every 100 ms.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import platform
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


class PeakRss:
    """Samples RSS of this process and its children in a thread; ``peak_mb`` after the block."""

    def __init__(self, interval=0.1):
        import psutil

        self.proc, self.interval, self.peak = psutil.Process(), interval, 0
        self._stop = threading.Event()

    def _sample(self):
        import psutil

        total = 0
        try:
            total = self.proc.memory_info().rss
            for child in self.proc.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        self.peak = max(self.peak, total)

    def _run(self):
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self):
        self._sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)


@contextmanager
def stage(results: dict, name: str):
    """Time a stage and record its peak RSS into ``results[name]``."""
    entry = results.setdefault(name, {})
    t0 = time.perf_counter()
    with PeakRss() as rss:
        yield entry
    entry["seconds"] = round(time.perf_counter() - t0, 2)
    entry["peak_rss_mb"] = rss.peak_mb
    log.info("bench %s: %.1fs, peak RSS %.0f MB", name, entry["seconds"], rss.peak_mb)


def machine() -> dict:
    """Facts about the machine the figures were measured on."""
    import psutil

    return {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine()}


def run_scale(scale: float, work: Path, seed: int = 42) -> dict:
    """Every stage that exists, at one scale, in a fresh work folder."""
    from bansos360.bronze.load import BronzeLoader, ingest_all
    from bansos360.config import Config
    from bansos360.generate import generate
    from bansos360.spark import get_spark

    shutil.rmtree(work, ignore_errors=True)
    raw, lake = work / "raw", work / "lakehouse"
    res: dict = {"scale": scale}
    with stage(res, "generate") as e:
        summary = generate(raw, scale=scale, seed=seed)
        e["files"] = len(summary.get("files", {})) if isinstance(summary, dict) else None
    sembako = next(iter(sorted((raw / "kpm").glob("Program Sembako*.xlsx"))), None)
    if sembako is not None:  # the Excel reader choice, measured on the largest KPM workbook
        res["excel_readers"] = compare_excel_readers(sembako)
    spark = get_spark("bansos360-bench")
    cfg = Config()
    loader = BronzeLoader(spark, cfg, lake=lake, reports_dir=work / "reports")
    with stage(res, "bronze") as e:
        loads = ingest_all(loader, raw)
        per_source = {}
        for r in loads:
            for t in r.tables:
                s = per_source.setdefault(t.source, {"rows": 0, "seconds": 0.0})
                s["rows"] += t.extracted.rows_read
            # a DTKS zip feeds two sources in one load: split its time by rows
            total = sum(t.extracted.rows_read for t in r.tables) or 1
            for t in r.tables:
                per_source[t.source]["seconds"] += r.seconds * t.extracted.rows_read / total
        for s in per_source.values():
            s["rows_per_s"] = round(s["rows"] / s["seconds"]) if s["seconds"] else None
            s["seconds"] = round(s["seconds"], 2)
        e["per_source"] = per_source
        e["rows"] = sum(s["rows"] for s in per_source.values())
    with stage(res, "bronze_rerun") as e:
        again = ingest_all(loader, raw)
        e["all_skipped"] = all(r.status == "skipped_duplicate" for r in again)
    from bansos360.silver.build import build_all

    with stage(res, "silver") as e:
        e["batches"] = len(build_all(spark, cfg, lake=lake)["sources"]) + len(cfg.settings.periods)
    latest = cfg.settings.periods[-1].id
    with stage(res, "silver_one_period") as e:  # what adding or correcting one DTKS period costs in silver
        build_all(spark, cfg, lake=lake, periods=[latest], programs=[])
        e["period"] = latest
    from bansos360.silver import linkage as lk

    with stage(res, "linkage_scoring") as e:  # re-links from silver and scores against the truth
        score = lk.score_generated(spark, raw, lake=lake, cfg=cfg)
        score["stats"]["linkage"].pop("model", None)
        e.update({k: score[k] for k in ("overall", "by_method", "by_source", "nik_ganda", "stats")})
    return res


def to_markdown(report: dict) -> str:
    """The results as a Markdown table (one row per scale and stage)."""
    lines = [f"Benchmark {report['date']} on {report['machine']['cpus']} CPUs, {report['machine']['memory_gb']} GB",
             "", "Per-source bronze seconds are each load's latency from the start of its reading, which overlaps "
             "the previous load's writes, so they add up to more than the stage time.", "", "| scale | stage | seconds | peak RSS MB | rows | rows/s |", "|---|---|---|---|---|---|"]
    for run in report["runs"]:
        for name, e in run.items():
            if not isinstance(e, dict):
                continue
            rows = e.get("rows")
            rps = round(rows / e["seconds"]) if rows and e.get("seconds") else ""
            lines.append(f"| {run['scale']} | {name} | {e.get('seconds')} | {e.get('peak_rss_mb')} | {rows or ''} | {rps} |")
        xr = run.get("excel_readers")
        if xr:
            lines.append(f"| {run['scale']} | read {xr['file']} (calamine / openpyxl) | {xr['calamine_s']} / "
                         f"{xr['openpyxl_s']} | | {xr['rows']} | identical text: {xr['identical_text']} |")
        for src, s in run.get("bronze", {}).get("per_source", {}).items():
            lines.append(f"| {run['scale']} | bronze: {src} | {s['seconds']} | | {s['rows']} | {s['rows_per_s']} |")
    lines += linkage_markdown(report)
    return "\n".join(lines) + "\n"


def linkage_markdown(report: dict) -> list[str]:
    """Linkage precision / recall / F1 per method and overall, per scale (against the generator's truth)."""
    out = []
    for run in report["runs"]:
        sc = run.get("linkage_scoring")
        if not sc or "overall" not in sc:
            continue
        if not out:
            out = ["", "Record linkage against the generator's ground truth (KPM + disability records):", "",
                   "| scale | method | records | links | precision | recall | F1 |", "|---|---|---|---|---|---|---|"]
        for name, m in [("overall", sc["overall"]), *sc["by_method"].items()]:
            out.append(f"| {run['scale']} | {name} | {m['records']} | {m['links']} | {m['precision']} | "
                       f"{m['recall']} | {m['f1']} |")
        g = sc["nik_ganda"]
        out.append(f"| {run['scale']} | NIK ganda: carriers flagged / in truth | {g['carriers_in_truth']} | "
                   f"{g['carriers_flagged']} | {g['niks_flagged_with_carrier']}/{g['niks_flagged']} NIKs | | |")
    return out


def run(scales: list[float], out_dir: Path = Path("bench/results"), work: Path = Path("data/bench")) -> Path:
    """Run the benchmark at every scale and write ``<date>.json`` and ``<date>.md``."""
    report = {"date": dt.datetime.now().strftime("%Y-%m-%dT%H-%M"), "machine": machine(), "runs": []}
    for scale in scales:
        report["runs"].append(run_scale(scale, work / f"scale_{scale}"))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{report['date']}.json"
    path.write_text(json.dumps(report, indent=1, default=str))
    path.with_suffix(".md").write_text(to_markdown(report))
    log.info("benchmark written to %s", path)
    return path


def _openpyxl_rows(path: Path) -> dict:
    """Every sheet's cells as text via openpyxl read-only (the alternative reader, for comparison)."""
    import openpyxl

    from bansos360.bronze.readers import excel_cell_to_text

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out = {}
    for ws in wb.worksheets:
        out[ws.title] = [[excel_cell_to_text(v)[0] for v in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    return out


def _calamine_rows(path: Path) -> dict:
    from bansos360.bronze.readers import read_excel_file

    return {s.name: [cells for _, cells, _ in s.rows] for s in read_excel_file(path, str(path))}


def _trim(rows: list[list]) -> list[list]:
    """Rows without trailing empty cells and trailing empty rows (the readers pad differently)."""
    out = []
    for r in rows:
        r = list(r)
        while r and r[-1] is None:
            r.pop()
        out.append(r)
    while out and not out[-1]:
        out.pop()
    return out


def compare_excel_readers(path: Path) -> dict:
    """Seconds for calamine and openpyxl (read-only) on one workbook, and whether their text agrees."""
    t0 = time.perf_counter()
    cal = _calamine_rows(path)
    t1 = time.perf_counter()
    opx = _openpyxl_rows(path)
    t2 = time.perf_counter()
    same = cal.keys() == opx.keys() and all(_trim(cal[k]) == _trim(opx[k]) for k in cal)
    rows = sum(len(v) for v in cal.values())
    return {"file": Path(path).name, "rows": rows, "calamine_s": round(t1 - t0, 2), "openpyxl_s": round(t2 - t1, 2),
            "speedup": round((t2 - t1) / (t1 - t0), 1), "identical_text": same}
