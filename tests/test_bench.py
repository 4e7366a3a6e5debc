"""Benchmark helpers that tests can check without timing anything."""

import datetime as dt
import json

from bansos360.bench import (
    PeakRss,
    compare_excel_readers,
    end_to_end,
    evaluate_targets,
    ratios,
    render_chart,
    to_markdown,
)
from tests.bronze import files


def test_calamine_and_openpyxl_read_the_same_text(tmp_path):
    rows = [["TITLE"], [], files.KPE_HEADER, *files.kpe_rows(), [4, 3503121507850000.0, None, "X", "L",
                                                                  dt.date(2001, 2, 3), None, None, None]]
    res = compare_excel_readers(files.xlsx(tmp_path / "k.xlsx", {"A": rows, "B": [["x", 1.5]]}))
    assert res["identical_text"] is True and res["rows"] == 8


def test_peak_rss_measures_this_process():
    with PeakRss() as rss:
        block = bytearray(50 * 2**20)
    assert rss.peak_mb > 50 and len(block)


def test_markdown_table_lists_stages():
    md = to_markdown({"date": "d", "machine": {"cpus": 2, "memory_gb": 24},
                      "runs": [{"scale": 1.0, "generate": {"seconds": 60.0, "peak_rss_mb": 1600},
                                "bronze": {"seconds": 90.0, "peak_rss_mb": 3000, "rows": 900,
                                           "per_source": {"dtks_art": {"seconds": 30, "rows": 600, "rows_per_s": 20}}}}]})
    assert "| 1.0 | generate | 60.0 | 1600 |" in md and "| 1.0 | bronze | 90.0 | 3000 | 900 | 10 |" in md
    assert "bronze: dtks_art" in md


def _run(scale, bronze, silver, gold, publish, new_period, base_total):
    return {"scale": scale, "generate": {"seconds": 10.0, "peak_rss_mb": 500},
            "baseline_duckdb": {"seconds": base_total, "peak_rss_mb": 400, "peak_driver_mb": 400, "peak_jvm_mb": 0,
                                "stages": {"read": base_total / 2, "transform": base_total / 4,
                                           "marts": base_total / 4, "total": base_total}},
            "bronze": {"seconds": bronze, "peak_rss_mb": 3000, "peak_driver_mb": 500, "peak_jvm_mb": 2500,
                       "rows": 1000},
            "silver": {"seconds": silver, "peak_rss_mb": 3000},
            "gold": {"seconds": gold, "peak_rss_mb": 3000},
            "publish": {"seconds": publish, "peak_rss_mb": 3000},
            "new_period": {"seconds": new_period, "peak_rss_mb": 3000, "period": "2020-10",
                           "steps": {"bronze": 1.0, "silver_and_links": 2.0, "gold": 3.0, "publish": 4.0}},
            "cross_check": {"seconds": 1.0, "peak_rss_mb": 3000, "all_ok": False,
                            "rfm": {"keys": 9, "spark_total": 100, "duckdb_total": 100, "differences": 0,
                                    "examples": {}, "equal": True, "ok": True},
                            "dtks_desa": {"keys": 9, "spark_total": 101, "duckdb_total": 100, "differences": 1,
                                          "examples": {"2020-10|3503010001|jumlah_individu": {"spark": 6, "duckdb": 5}},
                                          "equal": False, "ok": False},
                            "desil_kpm_nik_latest": {"keys": 4, "spark_total": 98, "duckdb_total": 100,
                                                     "differences": 1, "examples": {}, "equal": False, "ok": True,
                                                     "tolerance": 0.03, "slack": 5, "max_relative_difference": 0.02,
                                                     "total_relative_difference": 0.02}}}


def _report(*runs):
    return {"date": "2026-01-01T00-00", "machine": {"cpus": 2, "memory_gb": 24}, "runs": list(runs)}


def test_end_to_end_and_ratios():
    run = _run(1.0, bronze=60, silver=100, gold=60, publish=30, new_period=80, base_total=20)
    assert end_to_end(run) == 250
    r = ratios(run)
    assert r["bronze/read"] == 6.0 and r["silver/transform"] == 20.0 and r["gold/marts"] == 12.0
    assert r["end_to_end"] == 11.0       # (60 + 100 + 60) / 20: publish has no baseline twin
    assert end_to_end({"scale": 1.0, "bronze": {"seconds": 1}}) is None
    assert ratios({"scale": 1.0})["end_to_end"] is None


def test_targets_pass_fail_and_not_measured():
    one = _run(1.0, bronze=60, silver=100, gold=60, publish=30, new_period=95, base_total=100)
    four = _run(4.0, bronze=240, silver=400, gold=240, publish=250, new_period=300, base_total=400)
    t = {x["target"]: x for x in evaluate_targets([one, four])}
    assert t["end_to_end_s"]["value"] == 250 and t["end_to_end_s"]["passed"] is True
    assert t["ratio_end_to_end"]["value"] == 2.2 and t["ratio_end_to_end"]["passed"] is True
    assert t["new_period_s"]["passed"] is False                     # 95 s > 90 s
    assert t["scale4_cost"]["value"] == 4.52 and t["scale4_cost"]["passed"] is False
    only_small = {x["target"]: x for x in evaluate_targets([_run(0.25, 1, 1, 1, 1, 1, 1)])}
    assert all(x["passed"] is None and x["value"] is None for x in only_small.values())


def test_markdown_has_baseline_new_period_cross_check_and_targets():
    md = to_markdown(_report(_run(1.0, bronze=60, silver=100, gold=60, publish=30, new_period=80, base_total=20)))
    assert "| 1.0 | bronze | 60 | 3000 / 500 / 2500 | 1000 | 17 |" in md
    assert "| 1.0 | 10.0 | 5.0 | 5.0 | 20 | 6.0 | 20.0 | 12.0 | 11.0 |" in md     # baseline and ratios
    assert "| 1.0 | 2020-10 | 1.0 | 2.0 | 3.0 | 4.0 | 80 |" in md                 # new period steps
    assert "| 1.0 | rfm | 9 | 100 | 100 | 0 | identical |" in md
    assert "FAIL: 2020-10|3503010001|jumlah_individu: 6 vs 5" in md
    assert "ok, within tolerance 3% per key (or 5 records) and on the total: total differs by 2.00%" in md
    assert "| full refresh raw -> PostgreSQL (bronze + silver + gold + publish), seconds | <= 300.0 | 250 | pass |" in md
    assert "end at scale 4 / at scale 1 | <= 4.5 |  | not measured |" in md


def test_markdown_of_an_old_result_file_still_renders():
    old = _report({"scale": 0.25, "generate": {"seconds": 14.3, "peak_rss_mb": 520.8},
                   "excel_readers": {"file": "x.xlsx", "rows": 5, "calamine_s": 0.1, "openpyxl_s": 0.5,
                                     "speedup": 5.0, "identical_text": True},
                   "silver_one_period": {"seconds": 20.0, "peak_rss_mb": 3000, "period": "2020-10"}})
    md = to_markdown(old)
    assert "| 0.25 | generate | 14.3 | 520.8 |" in md and "silver_one_period" in md
    assert "Targets" not in md and "Cross-check" not in md


def test_chart_is_a_png(tmp_path):
    report = _report(_run(0.25, 20, 30, 20, 10, 40, 5), _run(1.0, 60, 100, 60, 30, 80, 20))
    path = render_chart(report, tmp_path / "chart.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_report_is_written_after_each_scale_and_says_when_partial(tmp_path):
    from bansos360.bench import write_report

    report = _report(_run(1.0, 60, 100, 60, 30, 80, 20))
    report.update(scales=[1.0, 4.0], complete=False)
    path = tmp_path / "r.json"
    write_report(report, path)
    md = path.with_suffix(".md").read_text()
    assert "**Partial:** scales [1.0] of [1.0, 4.0]" in md
    assert json.loads(path.read_text())["complete"] is False
    assert path.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"
    report["complete"] = True
    write_report(report, path)
    assert "Partial" not in path.with_suffix(".md").read_text()
