"""Bronze loads on real Delta tables: lineage, idempotency, partition replacement, rollback, profile."""

import json

import numpy as np
import pandas as pd
import pytest
from pyspark.sql import functions as F

from bansos360 import lakehouse
from bansos360.bronze.load import LOADS, BronzeLoader, ingest_dtks, ingest_kind, ingest_kpm
from bansos360.config import Config
from bansos360.errors import SourceFileError
from tests.bronze import files

TABLES = ["dtks_art", "dtks_rt", "kpm", "_quarantine", "_loads", "_profiles"]


@pytest.fixture
def loader(spark, lake, tmp_path):
    return BronzeLoader(spark, Config(), lake=lake, reports_dir=tmp_path / "reports", profile=False)


def versions(loader):
    return {t: lakehouse.table_version(loader.spark, "bronze", t, loader.lake) for t in TABLES}


def table(loader, name):
    return lakehouse.read_table(loader.spark, "bronze", name, loader.lake)


def test_dtks_lands_with_lineage_and_reload_is_a_noop(loader, tmp_path):
    z = files.dtks_zip(tmp_path / "3503_DTKS_2020-10.zip")
    res = ingest_dtks(loader, z, "2020-10")
    assert res.status == "loaded"
    art = table(loader, "dtks_art").orderBy("_row_number").collect()
    assert [r["_row_number"] for r in art] == [2, 3, 4]
    r = art[0]
    assert r["_source_file"] == "3503_DTKS_2020-10.zip!3503_ART.csv" and r["_period"] == "2020-10"
    assert r["_source_sha256"] == res.sha256 and r["_run_id"] == res.run_id and r["_ingested_at"] is not None
    assert r["nik"] == "3503121507800000" and r["hub_krt"] == "1" and r["hubkrt_label"] == "Kepala rumah tangga"
    assert table(loader, "dtks_rt").where("jumlah_kerbau = '0'").count() == 3
    before = versions(loader)
    again = ingest_dtks(loader, z, "2020-10")
    assert again.status == "skipped_duplicate" and again.run_id == res.run_id
    assert versions(loader) == before


def test_corrected_file_replaces_only_its_partition_and_keeps_history(loader, tmp_path):
    ingest_dtks(loader, files.dtks_zip(tmp_path / "3503_DTKS_2020-01.zip", art=files.art_rows(2)), "2020-01")
    first = tmp_path / "a" / "3503_DTKS_2020-10.zip"
    first.parent.mkdir()
    ingest_dtks(loader, files.dtks_zip(first, art=files.art_rows(3)), "2020-10")
    v_before = lakehouse.table_version(loader.spark, "bronze", "dtks_art", loader.lake)
    corrected = files.dtks_zip(tmp_path / "3503_DTKS_2020-10.zip", art=files.art_rows(5))
    res = ingest_dtks(loader, corrected, "2020-10")
    assert res.status == "replaced"
    counts = {r["_period"]: r["count"] for r in table(loader, "dtks_art").groupBy("_period").count().collect()}
    assert counts == {"2020-01": 2, "2020-10": 5}
    old = lakehouse.read_table(loader.spark, "bronze", "dtks_art", loader.lake, version=v_before)
    assert old.where("_period = '2020-10'").count() == 3  # time travel to the replaced content
    hist = loader.spark.sql(f"DESCRIBE HISTORY delta.`{lakehouse.table_path('bronze', 'dtks_art', loader.lake)}`")
    assert hist.where("operation = 'WRITE'").count() == 3


@pytest.mark.parametrize("breakage", ["truncated_zip", "period_in_name", "missing_column", "not_xlsx", "empty_file",
                                      "encrypted_or_legacy_garbage"])
def test_bad_files_fail_clearly_and_change_nothing(loader, tmp_path, breakage):
    ingest_dtks(loader, files.dtks_zip(tmp_path / "3503_DTKS_2020-01.zip"), "2020-01")
    before = versions(loader)
    if breakage == "truncated_zip":
        good = files.dtks_zip(tmp_path / "x.zip")
        bad = tmp_path / "3503_DTKS_2020-10.zip"
        bad.write_bytes(good.read_bytes()[:200])
        call, match = (lambda: ingest_dtks(loader, bad, "2020-10")), "zip"
    elif breakage == "period_in_name":
        z = files.dtks_zip(tmp_path / "3503_DTKS_2019-07.zip")
        call, match = (lambda: ingest_dtks(loader, z, "2020-10")), "says period 2019-07"
    elif breakage == "missing_column":
        z = files.dtks_zip(tmp_path / "3503_DTKS_2020-10.zip", art=[r[1:] for r in files.art_rows()],
                           art_header=files.ART_HEADER[1:])
        call, match = (lambda: ingest_dtks(loader, z, "2020-10")), "required column 'idbdt'"
    elif breakage == "not_xlsx":
        f = tmp_path / "kpe.xlsx"
        f.write_text("NIK,NAMA\n1,A\n")
        call, match = (lambda: ingest_kpm(loader, f, "KPE")), "not an Excel workbook"
    elif breakage == "empty_file":
        f = tmp_path / "kpe.xlsx"
        f.write_bytes(b"")
        call, match = (lambda: ingest_kpm(loader, f, "KPE")), "empty"
    else:  # an OLE container (what Excel writes for a password-protected xlsx) that is not a workbook
        f = tmp_path / "kpe.xlsx"
        f.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
        call, match = (lambda: ingest_kpm(loader, f, "KPE")), "cannot open workbook"
    with pytest.raises(SourceFileError, match=match):
        call()
    assert versions(loader) == before


def test_failure_during_writes_restores_every_table(loader, tmp_path, monkeypatch):
    ingest_dtks(loader, files.dtks_zip(tmp_path / "3503_DTKS_2020-10.zip", art=files.art_rows(2)), "2020-10")
    before = versions(loader)
    original = loader._append

    def failing_append(df, name):
        if name == LOADS:
            raise RuntimeError("disk full")
        original(df, name)

    monkeypatch.setattr(loader, "_append", failing_append)
    (tmp_path / "b").mkdir()
    corrected = files.dtks_zip(tmp_path / "b" / "3503_DTKS_2020-10.zip", art=files.art_rows(4))
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_dtks(loader, corrected, "2020-10")
    after = versions(loader)
    assert table(loader, "dtks_art").count() == 2  # content as before the failed load
    # restore adds a RESTORE commit; what matters is that data equals the old version's data
    assert all(after[t] >= before[t] for t in before if before[t] is not None)


def test_rows_of_another_region_are_quarantined_and_a_foreign_file_refused(loader, tmp_path):
    art = files.art_rows(4)
    art[2][3] = "02"  # one row of Kabupaten Ponorogo
    ingest_dtks(loader, files.dtks_zip(tmp_path / "3503_DTKS_2020-10.zip", art=art), "2020-10")
    q = table(loader, "_quarantine").collect()
    assert [(r["_row_number"], r["column"], r["raw_value"], r["reason"]) for r in q] == [(4, "kdkab", "02", "region_mismatch")]
    assert table(loader, "dtks_art").count() == 3
    foreign = files.dtks_zip(tmp_path / "3503_DTKS_2020-01.zip", art=files.art_rows(3, kab="02"))
    with pytest.raises(SourceFileError, match="another region"):
        ingest_dtks(loader, foreign, "2020-01")


def test_programs_are_separate_partitions(loader, tmp_path):
    kpe = files.xlsx(tmp_path / "kpe.xlsx", {"S": [files.KPE_HEADER, *files.kpe_rows()]})
    bst = files.xlsx(tmp_path / "bst.xlsx", {"S": [["NO", "NO_IDENTITAS", "NAMA_PENERIMA"], [1, "3503010101800001", "A"]]})
    ingest_kpm(loader, kpe, "KPE")
    ingest_kpm(loader, bst, "bst")
    kpe2 = files.xlsx(tmp_path / "kpe2.xlsx", {"S": [files.KPE_HEADER, *files.kpe_rows()[:1]]})
    assert ingest_kpm(loader, kpe2, "KPE").status == "replaced"
    counts = {r["_program"]: r["count"] for r in table(loader, "kpm").groupBy("_program").count().collect()}
    assert counts == {"KPE": 1, "BST": 1}


def test_usulan_period_column_is_checked(loader, tmp_path):
    header = ["NO", "PERIODE_PENETAPAN", "NIK", "NAMA"]
    rows = [[1, "2020-10", "3503010101800001", "A"], [2, "2020-10", "3503010101800002", "B"],
            [3, "2020-01", "3503010101800003", "C"]]
    path = files.xlsx(tmp_path / "Usulan Daerah 2020-10.xlsx", {"S": [header, *rows]})
    ingest_kind(loader, "usulan", path, "2020-10")
    assert table(loader, "usulan").count() == 2
    assert table(loader, "_quarantine").where("reason = 'period_mismatch'").count() == 1
    with pytest.raises(SourceFileError, match="another period"):
        ingest_kind(loader, "usulan", path, "2020-01")


def test_profile_matches_pandas(spark, lake, tmp_path):
    rng = np.random.default_rng(7)
    n = 240
    ages = rng.integers(0, 90, n).astype(object)
    ages[::17] = None  # missing values
    ages[5] = 250  # an outlier
    rows = [[f"3503010001{i:08d}", f"3503010001{i:08d}01", "35", "03", "010", "001", f"N{i % 50}", str(1 + i % 2),
             "1985-07-15", "x", f"35031215078{i:05d}", f"35031201010{i % 60:05d}", "1", None if a is None else str(a)]
            for i, a in enumerate(ages)]
    z = files.dtks_zip(tmp_path / "3503_DTKS_2020-10.zip", art=rows)
    loader = BronzeLoader(spark, Config(), lake=lake, reports_dir=tmp_path / "reports", profile=True)
    res = ingest_dtks(loader, z, "2020-10")
    prof = {r["column"]: r for r in lakehouse.read_table(spark, "bronze", "_profiles", lake)
            .where(F.col("_source") == "dtks_art").collect()}
    pdf = pd.DataFrame(rows, columns=[c.lower() for c in files.ART_HEADER])
    umur = pd.to_numeric(pdf["umr" if False else "umur"])
    p = prof["umur"]
    assert p["rows"] == n and p["missing"] == int(umur.isna().sum())
    assert p["distinct"] == umur.dropna().nunique()
    assert p["duplicates"] == umur.notna().sum() - umur.dropna().nunique()
    assert p["min"] == umur.min() and p["max"] == umur.max()
    assert p["mean"] == pytest.approx(umur.mean()) and p["std"] == pytest.approx(umur.std())
    vals = umur.dropna().to_numpy()
    for q, key in [(5, "p05"), (25, "p25"), (50, "median"), (75, "p75"), (95, "p95")]:
        assert p[key] == np.percentile(vals, q, method="inverted_cdf"), key
    q1, q3 = np.percentile(vals, 25, method="inverted_cdf"), np.percentile(vals, 75, method="inverted_cdf")
    assert p["iqr_outliers"] == int(((vals < q1 - 1.5 * (q3 - q1)) | (vals > q3 + 1.5 * (q3 - q1))).sum()) >= 1
    nama = prof["nama"]
    assert not nama["numeric"] and nama["distinct"] == 50
    top = pdf["nama"].value_counts()
    assert nama["top_values"][0]["count"] == top.iloc[0]
    report = res.tables[0].report
    assert report.endswith(".html") and "Profil EDA" in open(report).read()
    assert json.load(open(report.replace(".html", ".json")))["load"]["baris_dimuat"] == n


def test_ingest_all_loads_the_good_files_and_reports_the_bad_one(loader, tmp_path):
    from bansos360.bronze.load import ingest_all
    from bansos360.errors import BansosError

    raw = tmp_path / "raw"
    (raw / "dtks").mkdir(parents=True)
    (raw / "kpm").mkdir()
    files.dtks_zip(raw / "dtks" / "3503_DTKS_2020-01.zip")
    (raw / "dtks" / "3503_DTKS_2020-10.zip").write_bytes(b"PK\x03\x04 truncated")
    files.xlsx(raw / "kpm" / "BNBA KPE 20K.xlsx", {"S": [files.KPE_HEADER, *files.kpe_rows()]})
    with pytest.raises(BansosError, match=r"1 of 3 files failed(.|\n)*3503_DTKS_2020-10.zip"):
        ingest_all(loader, raw)
    assert table(loader, "dtks_art").select("_period").distinct().collect()[0][0] == "2020-01"
    assert table(loader, "kpm").count() == 3
