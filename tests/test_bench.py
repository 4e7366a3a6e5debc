"""Benchmark helpers that tests can check without timing anything."""

import datetime as dt

from bansos360.bench import PeakRss, compare_excel_readers, to_markdown
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
