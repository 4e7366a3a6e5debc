"""Benchmark: per-stage time, throughput and peak memory at several scales, written to bench/results/.

Stages of one scale (:func:`run_scale`, each in a fresh work folder ``<work>/scale_<s>``):

* ``generate``: the synthetic raw files (all DTKS periods; not part of any end-to-end figure).
* ``baseline_duckdb``: :func:`bansos360.baseline_duckdb.run_baseline` on the same raw files, in this
  process, with its own ``read`` / ``transform`` / ``marts`` times. It runs before the Spark stages
  of the scale, so it never competes with them; its peak memory is this process only (``driver``).
* ``bronze`` (every file, first load), ``bronze_rerun`` (all no-ops), ``silver`` (every table and the
  linkage), ``gold`` (:func:`bansos360.gold.build.build_gold`, every mart + early warning) and
  ``publish`` (:func:`bansos360.publish.pg.publish`, every mart, to ``$BANSOS_PG_URL`` or else to an
  embedded cluster in ``<work>/pg``, stopped at the end of the scale).
* ``end_to_end`` = bronze + silver + gold + publish: a full refresh raw -> PostgreSQL.
* ``new_period``: one new DTKS period reaching PostgreSQL, end to end, on the complete lakehouse:
  the latest period's zip is delivered again with ``force`` (bronze replaces that period's
  partitions), silver is rebuilt for that period only (plus every link, which depend on the latest
  period), then the whole gold build and publish. This is exactly the work a genuinely new period
  causes (one zip read and written, one silver period, links and gold over all N periods, every
  mart published), without holding a period back from the full refresh (which would then measure
  N-1 periods) and without a second full run. Sub-step seconds are in ``steps``.
* ``linkage_scoring``: precision / recall of the record linkage against the generator's truth.
* ``cross_check``: the baseline's figures against the same figures from the gold marts
  (:func:`bansos360.baseline_duckdb.cross_check`): exact where the figure has no probabilistic
  part, within a stated tolerance otherwise.

Spark / DuckDB ratios (:func:`ratios`): bronze / read, silver / transform, gold / marts, and end to
end raw -> marts = (bronze + silver + gold) / baseline total. Publishing has no DuckDB twin (the
baseline ends at its figures), so it is left out of the ratio and kept in ``end_to_end``.

Peak memory: every stage records the largest RSS of this process (``peak_driver_mb``), of its
child processes (``peak_jvm_mb``: the JVM that PySpark launches, and the Python workers it forks)
and of both together (``peak_rss_mb``), sampled every 100 ms. An embedded PostgreSQL detaches from
``pg_ctl`` and is not counted.

Targets (:data:`TARGETS`, measured here, never in timed tests) are judged at scale 1.0; scale 4
(``--with 4``) adds the cost-growth target. Results: ``<date>.json``, ``<date>.md`` and a chart
``<date>.png``.
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
    """Samples RSS of this process and of its children (recursively: the JVM and its Python workers)
    in a thread; ``peak_mb`` (both), ``peak_driver_mb`` and ``peak_jvm_mb`` after the block."""

    def __init__(self, interval=0.1):
        import psutil

        self.proc, self.interval = psutil.Process(), interval
        self.peak = self.peak_self = self.peak_children = 0
        self.children_seen: set[str] = set()
        self._stop = threading.Event()

    def _sample(self):
        import psutil

        own = kids = 0
        try:
            own = self.proc.memory_info().rss
            for child in self.proc.children(recursive=True):
                try:
                    kids += child.memory_info().rss
                    self.children_seen.add(child.name())
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        self.peak_self = max(self.peak_self, own)
        self.peak_children = max(self.peak_children, kids)
        self.peak = max(self.peak, own + kids)

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

    @property
    def peak_driver_mb(self) -> float:
        return round(self.peak_self / 2**20, 1)

    @property
    def peak_jvm_mb(self) -> float:
        return round(self.peak_children / 2**20, 1)


@contextmanager
def stage(results: dict, name: str):
    """Time a stage and record its peak RSS (total, driver, JVM/children) into ``results[name]``."""
    entry = results.setdefault(name, {})
    t0 = time.perf_counter()
    with PeakRss() as rss:
        yield entry
    entry["seconds"] = round(time.perf_counter() - t0, 2)
    entry["peak_rss_mb"] = rss.peak_mb
    entry["peak_driver_mb"] = rss.peak_driver_mb
    entry["peak_jvm_mb"] = rss.peak_jvm_mb
    if rss.children_seen:
        entry["child_processes"] = sorted(rss.children_seen)
    log.info("bench %s: %.1fs, peak RSS %.0f MB (driver %.0f, JVM %.0f)", name, entry["seconds"], rss.peak_mb,
             rss.peak_driver_mb, rss.peak_jvm_mb)


# --------------------------------------------------------------------------- targets and ratios
#: Targets of issue #6: (name, description, scale the target is judged at, limit)
TARGETS = (
    ("end_to_end_s", "full refresh raw -> PostgreSQL (bronze + silver + gold + publish), seconds", 1.0, 300.0),
    ("ratio_end_to_end", "Spark / DuckDB end to end (raw -> marts)", 1.0, 3.0),
    ("new_period_s", "one new DTKS period to PostgreSQL, seconds", 1.0, 90.0),
    ("scale4_cost", "end to end at scale 4 / at scale 1", 4.0, 4.5),
)
#: comparable stages: Spark stage -> DuckDB baseline stage
RATIO_STAGES = (("bronze", "read"), ("silver", "transform"), ("gold", "marts"))
E2E_STAGES = ("bronze", "silver", "gold", "publish")


def _secs(run: dict, name: str) -> float | None:
    e = run.get(name)
    return e.get("seconds") if isinstance(e, dict) else None


def end_to_end(run: dict) -> float | None:
    """bronze + silver + gold + publish seconds; None when a stage is missing."""
    parts = [_secs(run, s) for s in E2E_STAGES]
    return None if any(p is None for p in parts) else round(sum(parts), 2)


def ratios(run: dict) -> dict:
    """Spark / DuckDB seconds per comparable stage and end to end (raw -> marts); None when unknown."""
    base = (run.get("baseline_duckdb") or {}).get("stages") or {}
    out = {}
    for spark_stage, duck_stage in RATIO_STAGES:
        s, d = _secs(run, spark_stage), base.get(duck_stage)
        out[f"{spark_stage}/{duck_stage}"] = round(s / d, 1) if s is not None and d else None
    spark = [_secs(run, s) for s in ("bronze", "silver", "gold")]
    total = base.get("total")
    out["end_to_end"] = (round(sum(spark) / total, 1) if total and all(x is not None for x in spark) else None)
    return out


def evaluate_targets(runs: list[dict]) -> list[dict]:
    """Every target with its measured value and pass/fail (``passed`` None when not measured)."""
    by_scale = {float(r["scale"]): r for r in runs}
    one, four = by_scale.get(1.0), by_scale.get(4.0)
    values = {
        "end_to_end_s": end_to_end(one) if one else None,
        "ratio_end_to_end": ratios(one)["end_to_end"] if one else None,
        "new_period_s": _secs(one, "new_period") if one else None,
        "scale4_cost": None,
    }
    if one and four and end_to_end(one) and end_to_end(four) is not None:
        values["scale4_cost"] = round(end_to_end(four) / end_to_end(one), 2)
    return [{"target": name, "description": desc, "scale": scale, "limit": limit, "value": values[name],
             "passed": None if values[name] is None else values[name] <= limit}
            for name, desc, scale, limit in TARGETS]


def machine() -> dict:
    """Facts about the machine the figures were measured on."""
    import psutil

    return {"cpus": os.cpu_count(), "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine()}


def _bronze_per_source(loads) -> dict:
    per_source = {}
    for r in loads:
        for t in r.tables:
            src = per_source.setdefault(t.source, {"rows": 0, "seconds": 0.0})
            src["rows"] += t.extracted.rows_read
        # a DTKS zip feeds two sources in one load: split its time by rows
        total = sum(t.extracted.rows_read for t in r.tables) or 1
        for t in r.tables:
            per_source[t.source]["seconds"] += r.seconds * t.extracted.rows_read / total
    for src in per_source.values():
        src["rows_per_s"] = round(src["rows"] / src["seconds"]) if src["seconds"] else None
        src["seconds"] = round(src["seconds"], 2)
    return per_source


@contextmanager
def postgres_url(work: Path):
    """``$BANSOS_PG_URL``, else an embedded cluster in ``<work>/pg`` (stopped and removed afterwards)."""
    url = os.environ.get("BANSOS_PG_URL")
    if url:
        yield url, "BANSOS_PG_URL"
        return
    from bansos360.publish.embedded import EmbeddedPostgres, free_port

    pg = EmbeddedPostgres(Path(work) / "pg", port=free_port(55500))
    url = pg.start()
    try:
        yield url, f"embedded ({pg.data_dir})"
    finally:
        pg.stop()
        shutil.rmtree(pg.data_dir, ignore_errors=True)


def run_scale(scale: float, work: Path, seed: int = 42, baseline: bool = True) -> dict:
    """Every stage of the module docstring at one scale, in a fresh work folder."""
    from bansos360.bronze.load import BronzeLoader, ingest_all, ingest_dtks
    from bansos360.config import Config
    from bansos360.generate import generate
    from bansos360.gold.build import build_gold
    from bansos360.publish.pg import publish
    from bansos360.silver.build import build_all
    from bansos360.spark import get_spark

    shutil.rmtree(work, ignore_errors=True)
    raw, lake = work / "raw", work / "lakehouse"
    res: dict = {"scale": scale}
    cfg = Config()
    with stage(res, "generate") as e:
        summary = generate(raw, scale=scale, seed=seed)
        e["files"] = len(summary.get("files", {})) if isinstance(summary, dict) else None
    sembako = next(iter(sorted((raw / "kpm").glob("Program Sembako*.xlsx"))), None)
    if sembako is not None:  # the Excel reader choice, measured on the largest KPM workbook
        res["excel_readers"] = compare_excel_readers(sembako)
    base = None
    if baseline:
        from bansos360.baseline_duckdb import run_baseline

        with stage(res, "baseline_duckdb") as e:
            base = run_baseline(raw, cfg)
            e.update(stages=base["seconds"], rows=sum(base["rows"].values()), rows_by_source=base["rows"])
    spark = get_spark("bansos360-bench")
    loader = BronzeLoader(spark, cfg, lake=lake, reports_dir=work / "reports")
    with stage(res, "bronze") as e:
        loads = ingest_all(loader, raw)
        e["per_source"] = _bronze_per_source(loads)
        e["rows"] = sum(s["rows"] for s in e["per_source"].values())
    with stage(res, "bronze_rerun") as e:
        again = ingest_all(loader, raw)
        e["all_skipped"] = all(r.status == "skipped_duplicate" for r in again)
    with stage(res, "silver") as e:
        e["batches"] = len(build_all(spark, cfg, lake=lake)["sources"]) + len(cfg.settings.periods)
    with stage(res, "gold") as e:
        g = build_gold(spark, cfg, lake=lake)
        e["marts"] = len(g["marts"])
        e["rows"] = sum(m["rows"] for m in g["marts"].values())
    with postgres_url(work) as (url, where):
        with stage(res, "publish") as e:
            pub = publish(spark, lake=lake, url=url)
            e.update(marts=len(pub), target=where, rows=sum(int(p.get("rows") or 0) for p in pub))
        res["end_to_end"] = {"seconds": end_to_end(res), "stages": list(E2E_STAGES)}
        latest = cfg.settings.periods[-1].id
        zips = [z for z in sorted((raw / "dtks").glob("*.zip")) if latest in z.stem]
        with stage(res, "new_period") as e:
            e["period"], steps = latest, {}
            t = time.perf_counter()
            r = ingest_dtks(loader, zips[0], latest, force=True)
            steps["bronze"] = round(time.perf_counter() - t, 2)
            e["rows"] = sum(tb.extracted.rows_read for tb in r.tables)
            t = time.perf_counter()
            build_all(spark, cfg, lake=lake, periods=[latest], programs=[])
            steps["silver_and_links"] = round(time.perf_counter() - t, 2)
            t = time.perf_counter()
            build_gold(spark, cfg, lake=lake)
            steps["gold"] = round(time.perf_counter() - t, 2)
            t = time.perf_counter()
            publish(spark, lake=lake, url=url)
            steps["publish"] = round(time.perf_counter() - t, 2)
            e["steps"] = steps
    from bansos360.silver import linkage as lk

    with stage(res, "linkage_scoring") as e:  # re-links from silver and scores against the truth
        score = lk.score_generated(spark, raw, lake=lake, cfg=cfg)
        score["stats"]["linkage"].pop("model", None)
        e.update({k: score[k] for k in ("overall", "by_method", "by_source", "nik_ganda", "stats")})
    if base is not None:
        from bansos360.baseline_duckdb import cross_check

        with stage(res, "cross_check") as e:
            e.update(cross_check(spark, lake, base))
        res["ratios"] = ratios(res)
    return res


def _mb(e: dict) -> str:
    parts = [e.get("peak_rss_mb"), e.get("peak_driver_mb"), e.get("peak_jvm_mb")]
    if parts[1] is None:
        return "" if parts[0] is None else str(parts[0])
    return " / ".join("" if p is None else str(p) for p in parts)


def to_markdown(report: dict) -> str:
    """The results as Markdown: stages per scale, baseline and ratios, new period, cross-check,
    targets, linkage. Works for result files of earlier versions (missing parts are left out)."""
    lines = [f"Benchmark {report['date']} on {report['machine']['cpus']} CPUs, {report['machine']['memory_gb']} GB",
             ""]
    if report.get("complete") is False:
        done = [r["scale"] for r in report["runs"]]
        lines += [f"**Partial:** scales {done} of {report.get('scales')} have run so far.", ""]
    lines += ["Per-source bronze seconds are each load's latency from the start of its reading, which overlaps "
              "the previous load's writes, so they add up to more than the stage time. Peak RSS: total / driver "
              "(this Python process) / JVM (its child processes).", "",
               "| scale | stage | seconds | peak RSS MB | rows | rows/s |", "|---|---|---|---|---|---|"]
    for run in report["runs"]:
        for name, e in run.items():
            if not isinstance(e, dict) or e.get("seconds") is None and "peak_rss_mb" not in e:
                continue
            rows = e.get("rows")
            rps = round(rows / e["seconds"]) if rows and e.get("seconds") else ""
            label = name + (" (bronze + silver + gold + publish)" if name == "end_to_end" else "")
            lines.append(f"| {run['scale']} | {label} | {e.get('seconds')} | {_mb(e)} | {rows or ''} | {rps} |")
        xr = run.get("excel_readers")
        if xr:
            lines.append(f"| {run['scale']} | read {xr['file']} (calamine / openpyxl) | {xr['calamine_s']} / "
                         f"{xr['openpyxl_s']} | | {xr['rows']} | identical text: {xr['identical_text']} |")
        for src, s in run.get("bronze", {}).get("per_source", {}).items():
            lines.append(f"| {run['scale']} | bronze: {src} | {s['seconds']} | | {s['rows']} | {s['rows_per_s']} |")
    lines += baseline_markdown(report) + new_period_markdown(report) + cross_check_markdown(report)
    lines += targets_markdown(report) + linkage_markdown(report)
    if report.get("chart"):
        lines += ["", f"![seconds per stage and scale]({report['chart']})"]
    return "\n".join(lines) + "\n"


def _section(report: dict, stage: str, has: str, intro: str, header: list[str], rows) -> list[str]:
    """A Markdown table over the runs whose ``stage`` result carries ``has`` (older result files may
    lack it): ``rows(run, result)`` gives each run's table lines; no such run, no section."""
    body = [line for run in report["runs"] if (e := run.get(stage)) and has in e for line in rows(run, e)]
    if not body:
        return []
    return ["", intro, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header), *body]


def baseline_markdown(report: dict) -> list[str]:
    """DuckDB baseline stages and the Spark / DuckDB ratios per scale."""
    def rows(run, b):
        st, r = b["stages"], run.get("ratios") or ratios(run)
        return [f"| {run['scale']} | {st.get('read')} | {st.get('transform')} | {st.get('marts')} | "
                f"{st.get('total')} | {r.get('bronze/read')} | {r.get('silver/transform')} | "
                f"{r.get('gold/marts')} | {r.get('end_to_end')} |"]
    return _section(report, "baseline_duckdb", "stages",
                    "Single-process DuckDB baseline on the same raw files, and Spark / DuckDB seconds "
                    "(end to end = raw -> marts: bronze + silver + gold over the baseline's total; publishing "
                    "has no baseline twin):",
                    ["scale", "DuckDB read", "transform", "marts", "total", "bronze/read", "silver/transform",
                     "gold/marts", "end to end"], rows)


def new_period_markdown(report: dict) -> list[str]:
    """One new DTKS period to PostgreSQL, per step and scale."""
    def rows(run, e):
        s = e["steps"]
        return [f"| {run['scale']} | {e.get('period')} | {s.get('bronze')} | {s.get('silver_and_links')} | "
                f"{s.get('gold')} | {s.get('publish')} | {e.get('seconds')} |"]
    return _section(report, "new_period", "steps",
                    "One new DTKS period to PostgreSQL (the latest period's zip delivered again into the "
                    "complete lakehouse: bronze, silver of that period + all links, gold, publish):",
                    ["scale", "period", "bronze", "silver + links", "gold", "publish", "total"], rows)


def _cross_check_verdict(f: dict) -> str:
    if "tolerance" in f:
        within = (f"within tolerance {f['tolerance']:.0%} per key (or {f.get('slack', 0)} records) and on "
                  f"the total: total differs by {f.get('total_relative_difference', 0):.2%}, largest key by "
                  f"{f['max_relative_difference']:.2%}")
        return "identical" if f["equal"] else ("ok, " if f["ok"] else "FAIL, not ") + within
    return "identical" if f["equal"] else "FAIL: " + "; ".join(
        f"{k}: {v['spark']} vs {v['duckdb']}" for k, v in list(f.get("examples", {}).items())[:3])


def cross_check_markdown(report: dict) -> list[str]:
    """Spark gold vs DuckDB baseline, figure by figure, per scale."""
    def rows(run, cc):
        out = [f"| {run['scale']} | {name} | {f['keys']} | {f['spark_total']} | {f['duckdb_total']} | "
               f"{f['differences']} | {_cross_check_verdict(f)} |" for name, f in cc.items() if isinstance(f, dict)]
        return [*out, f"| {run['scale']} | **all figures** | | | | | {'ok' if cc['all_ok'] else 'FAIL'} |"]
    return _section(report, "cross_check", "all_ok",
                    "Cross-check of mart figures, Spark gold vs DuckDB baseline (exact unless a tolerance "
                    "is given; see bansos360.baseline_duckdb):",
                    ["scale", "figure", "keys", "Spark total", "DuckDB total", "differing keys", "result"], rows)


def targets_markdown(report: dict) -> list[str]:
    runs = [r for r in report["runs"] if "end_to_end" in r or "new_period" in r]
    if not runs:
        return []
    out = ["", "Targets (judged at scale 1.0 on the machine above; scale 4 only with --with 4):", "",
           "| target | limit | value | result |", "|---|---|---|---|"]
    for t in evaluate_targets(report["runs"]):
        verdict = "not measured" if t["passed"] is None else ("pass" if t["passed"] else "FAIL")
        out.append(f"| {t['description']} | <= {t['limit']} | {'' if t['value'] is None else t['value']} | {verdict} |")
    return out


CHART_STAGES = ("bronze", "silver", "gold", "publish", "end_to_end", "new_period")
CHART_BASELINE = ("read", "transform", "marts", "total")


def render_chart(report: dict, path: Path) -> Path:
    """Grouped bars (log scale): seconds per Spark stage and per DuckDB baseline stage, one bar per scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = [*CHART_STAGES, *[f"duckdb {s}" for s in CHART_BASELINE]]
    runs = report["runs"]
    width = 0.8 / max(1, len(runs))
    fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(groups)), 4.8))
    for i, run in enumerate(runs):
        base = (run.get("baseline_duckdb") or {}).get("stages") or {}
        vals = [_secs(run, g) for g in CHART_STAGES] + [base.get(s) for s in CHART_BASELINE]
        xs = [j + (i - (len(runs) - 1) / 2) * width for j in range(len(groups))]
        bars = ax.bar(xs, [v or 0 for v in vals], width, label=f"scale {run['scale']}")
        for bar, v in zip(bars, vals, strict=True):
            if v:
                ax.annotate(f"{v:g}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                            va="bottom", fontsize=7)
    ax.set_xticks(range(len(groups)), groups, rotation=30, ha="right")
    ax.axvline(len(CHART_STAGES) - 0.5, color="grey", lw=0.8, ls="--")
    ax.set_yscale("log")
    ax.set_ylabel("seconds (log scale)")
    ax.set_title(f"Bansos 360 benchmark {report['date']}: Spark stages and DuckDB baseline")
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def linkage_markdown(report: dict) -> list[str]:
    """Linkage precision / recall / F1 per method and overall, per scale (against the generator's truth)."""
    def rows(run, sc):
        g = sc["nik_ganda"]
        return [*(f"| {run['scale']} | {name} | {m['records']} | {m['links']} | {m['precision']} | "
                  f"{m['recall']} | {m['f1']} |" for name, m in [("overall", sc["overall"]), *sc["by_method"].items()]),
                f"| {run['scale']} | NIK ganda: carriers flagged / in truth | {g['carriers_in_truth']} | "
                f"{g['carriers_flagged']} | {g['niks_flagged_with_carrier']}/{g['niks_flagged']} NIKs | | |"]
    return _section(report, "linkage_scoring", "overall",
                    "Record linkage against the generator's ground truth (KPM + disability records):",
                    ["scale", "method", "records", "links", "precision", "recall", "F1"], rows)


def run(scales: list[float], out_dir: Path = Path("bench/results"), work: Path = Path("data/bench"),
        baseline: bool = True) -> Path:
    """Run the benchmark at every scale and write ``<date>.json``, ``<date>.md`` and ``<date>.png``.

    The report is rewritten after each scale, so a long last scale (4) that fails or is stopped
    leaves the figures of the scales before it; ``complete`` says whether every scale ran."""
    report = {"date": dt.datetime.now().strftime("%Y-%m-%dT%H-%M"), "machine": machine(), "runs": [],
              "scales": list(scales), "complete": False}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{report['date']}.json"
    for scale in scales:
        report["runs"].append(run_scale(scale, work / f"scale_{scale}", baseline=baseline))
        report["complete"] = len(report["runs"]) == len(scales)
        write_report(report, path)
    log.info("benchmark written to %s", path)
    return path


def write_report(report: dict, path: Path) -> None:
    """Targets, chart (PNG), JSON and Markdown of the runs so far."""
    report["targets"] = evaluate_targets(report["runs"])
    try:
        report["chart"] = render_chart(report, path.with_suffix(".png")).name
    except Exception as exc:  # a chart problem must not lose the measurements
        log.warning("benchmark chart not written: %s", exc)
    path.write_text(json.dumps(report, indent=1, default=str))
    path.with_suffix(".md").write_text(to_markdown(report))


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
