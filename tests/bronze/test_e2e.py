"""End to end at scale 0.01: every generated file lands in bronze as the ground truth says.

One messy generated run is ingested once (session fixture); each test checks one promise against
``_truth/`` — every data row landed once with the value as written, every injected messiness kind
landed or was quarantined for the right reason, and a second run changes nothing.
"""

from pathlib import Path

import pandas as pd
import pytest
from pyspark.sql import functions as F

from bansos360 import lakehouse
from bansos360.bronze.load import BronzeLoader, ingest_all
from bansos360.config import Config

pytestmark = pytest.mark.slow
DATA_TABLES = ["dtks_art", "dtks_rt", "kpm", "disabilitas", "usulan"]
ALL_TABLES = DATA_TABLES + ["_quarantine", "_loads", "_profiles"]


@pytest.fixture(scope="module")
def landed(spark, gen_messy, tmp_path_factory):
    raw, _ = gen_messy
    lake = tmp_path_factory.mktemp("e2e_lake")
    loader = BronzeLoader(spark, Config(), lake=lake, reports_dir=lake / "reports")
    results = ingest_all(loader, raw)
    return loader, raw, results


def read(loader, table):
    return lakehouse.read_table(loader.spark, "bronze", table, loader.lake)


def bronze_pdf(loader, table, cols):
    return read(loader, table).select(*cols).toPandas()


def truth(raw: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(raw / "_truth" / f"{name}.parquet")


def test_every_file_loaded_and_row_counts_add_up(landed):
    loader, raw, results = landed
    assert len(results) == 5 + 4 + 1 + 4 and all(r.status == "loaded" for r in results)
    loads = read(loader, "_loads").toPandas()
    assert (loads.rows_read == loads.rows_landed + loads.rows_quarantined).all()
    for table in DATA_TABLES:
        landed_rows = read(loader, table).count()
        assert landed_rows == loads[loads.table == f"bronze.{table}"].rows_landed.sum() > 0


def test_dtks_rows_per_period_match_truth_and_layout_variants_map(landed):
    loader, raw, _ = landed
    pp, hp = truth(raw, "person_periods"), truth(raw, "household_periods")
    art = bronze_pdf(loader, "dtks_art", ["_period", "_row_number", "idartbdt", "idbdt"])
    assert art.groupby("_period").size().to_dict() == pp.groupby("period").size().to_dict()
    merged = pp.merge(art, left_on=["period", "art_row"], right_on=["_period", "_row_number"], how="left")
    assert (merged.idartbdt_x == merged.idartbdt_y).all()  # each truth person at its line, same id
    rt = bronze_pdf(loader, "dtks_rt", ["_period", "_row_number", "idbdt", "percentile", "sta_bangunan", "jumlah_kerbau"])
    m = hp.merge(rt, left_on=["period", "rt_row"], right_on=["_period", "_row_number"], how="left")
    assert (m.household_id == m.idbdt).all()
    # `Percentile` (2018-05, 2019-07) and `percentile` both land; empty exactly where the truth has none
    assert (m.percentile_y.isna() == m.percentile_x.isna()).all() and m.percentile_y.notna().mean() > 0.9
    assert rt.sta_bangunan.notna().all() and rt.jumlah_kerbau.notna().all()  # Sta_bangunan, Jumah_kerbau
    loads = read(loader, "_loads").where("source = 'dtks_art'").select("batch", "encoding", "delimiter").collect()
    by_period = {r["batch"]: (r["encoding"], r["delimiter"]) for r in loads}
    assert by_period["2019-10"] == ("cp1252", ";") and by_period["2020-10"] == ("utf-8", ",")


def test_every_truth_record_landed_once_as_written(landed):
    loader, raw, _ = landed
    rec = truth(raw, "records")
    rec["file_name"] = rec.file.str.rsplit("/", n=1).str[-1]
    frames = []
    for table in ["kpm", "disabilitas", "usulan"]:
        frames.append(bronze_pdf(loader, table, ["_source_file", "_sheet", "_row_number", "nik", "nama"]))
    b = pd.concat(frames)
    b["sheet_key"] = b["_sheet"].fillna("")
    rec["sheet_key"] = rec["sheet"].fillna("")
    assert not b.duplicated(["_source_file", "sheet_key", "_row_number"]).any()
    m = rec.merge(b, left_on=["file_name", "sheet_key", "row_number"],
                  right_on=["_source_file", "sheet_key", "_row_number"], how="left", indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"][["file", "sheet", "row_number"]].head()
    assert len(b) == len(rec)  # and nothing landed that is not a truth record
    written = m.nik_written.where(m.nik_written.notna() & (m.nik_written != ""), None)
    assert (m.nik.fillna("<null>") == written.fillna("<null>")).all()
    assert (m.nama.fillna("<null>") == m.name_written.fillna("<null>")).all()


def _at(loader, raw, kinds, table="kpm"):
    a = truth(raw, "anomalies")
    a = a[a.kind.isin(kinds)].copy()
    a["file_name"] = a.file.str.rsplit("/", n=1).str[-1]
    b = read(loader, table).toPandas()
    return a.merge(b, left_on=["file_name", "sheet", "row_number"], right_on=["_source_file", "_sheet", "_row_number"])


def test_nik_typed_as_number_is_marked_not_repaired(landed):
    loader, raw, _ = landed
    m = _at(loader, raw, ["nik_float_lost_digit"])
    assert len(m) > 0
    assert all(dict(ct).get("nik") == "number" for ct in m["_cell_types"])
    assert m.nik.str.fullmatch(r"\d{15}0").all()  # Excel kept 15 significant digits; bronze keeps exactly that


def test_text_messiness_is_kept_verbatim(landed):
    loader, raw, _ = landed
    apos = _at(loader, raw, ["nik_apostrophe"])
    assert len(apos) and apos.nik.str.startswith("'").all()
    sep = _at(loader, raw, ["nik_separators"])
    assert len(sep) and sep.nik.str.contains(r"[ .\-]").all()
    zeros = _at(loader, raw, ["nik_zeros"])
    assert len(zeros) and (zeros.nik.str.strip("0") == "").all()


def test_dates_keep_their_form_and_cell_type(landed):
    loader, raw, _ = landed
    serial = _at(loader, raw, ["date_serial"])
    assert len(serial) and all(dict(ct).get("tanggal_lahir") == "number" for ct in serial["_cell_types"])
    assert serial.tanggal_lahir.str.fullmatch(r"\d{4,5}").all()  # Excel day numbers, decoded in silver
    dmy = _at(loader, raw, ["date_text_dmy"])
    assert len(dmy) and dmy.tanggal_lahir.str.fullmatch(r"\d{2}[-/]\d{2}[-/]\d{4}").all()
    assert all(dict(ct).get("tanggal_lahir") is None for ct in dmy["_cell_types"])  # typed as text


def test_wrong_length_and_empty_nik_land_verbatim(landed):
    loader, raw, _ = landed
    for kind, pattern in [("nik_15_digits", r"\d{15}"), ("nik_17_digits", r"\d{17}")]:
        m = _at(loader, raw, [kind])
        assert len(m) and m.nik.str.fullmatch(pattern).all(), kind
    empty = _at(loader, raw, ["nik_empty"])
    assert len(empty) and empty.nik.isna().all()


def test_totals_rows_are_quarantined_and_nothing_else(landed):
    loader, raw, _ = landed
    a = truth(raw, "anomalies")
    totals = a[a.kind == "totals_row"].copy()
    totals["file_name"] = totals.file.str.rsplit("/", n=1).str[-1]
    q = read(loader, "_quarantine").toPandas()
    assert set(q.reason) == {"totals_row"}  # messy generated data has no other unloadable rows
    got = set(zip(q._source_file, q._sheet, q._row_number, strict=True))
    assert got == set(zip(totals.file_name, totals.sheet, totals.row_number.astype(int), strict=True))


def test_blank_and_title_rows_do_not_land(landed):
    loader, raw, _ = landed
    a = truth(raw, "anomalies")
    blank = a[a.kind == "blank_row"]
    assert read(loader, "_loads").agg(F.sum("rows_blank")).first()[0] == len(blank)
    b = pd.concat([bronze_pdf(loader, t, ["_source_file", "_sheet", "_row_number"]) for t in ["kpm", "disabilitas"]])
    first_row = b.groupby(["_source_file", "_sheet"])._row_number.min()
    hdr = {"Program Sembako Tahap 8 Agustus 2020.xlsx": 5, "BNBA TL THP 3.xlsx": 5, "BNBA KPE 20K.xlsx": 3,
           "Data Disabilitas Trenggalek.xlsx": 5}
    for (f, _sheet), row in first_row.items():
        assert row >= hdr.get(f, 2), (f, _sheet, row)


def test_summary_sheet_skipped_and_sheets_recorded(landed):
    loader, _, _ = landed
    bst = read(loader, "_loads").where("source = 'kpm_bst'").first()
    assert bst["sheets_skipped"] == ["Rekap"] and bst["sheets_read"] == ["BNBA"]
    sembako = read(loader, "_loads").where("source = 'kpm_sembako'").first()
    assert len(sembako["sheets_read"]) == 14


def test_profiles_and_reports_exist_for_every_load(landed):
    loader, _, results = landed
    prof = read(loader, "_profiles")
    assert prof.select("_run_id").distinct().count() == len(results)
    for r in results:
        for t in r.tables:
            assert Path(t.report).is_file()


def test_second_run_changes_nothing(landed):
    loader, raw, _ = landed
    before = {t: lakehouse.table_version(loader.spark, "bronze", t, loader.lake) for t in ALL_TABLES}
    again = ingest_all(loader, raw)
    assert {r.status for r in again} == {"skipped_duplicate"}
    assert {t: lakehouse.table_version(loader.spark, "bronze", t, loader.lake) for t in ALL_TABLES} == before


def test_clean_files_have_no_quarantine_and_no_blank_rows(spark, gen_clean, tmp_path):
    raw, _ = gen_clean
    loader = BronzeLoader(spark, Config(), lake=tmp_path / "lake", reports_dir=tmp_path / "r", profile=False)
    from bansos360.bronze.load import ingest_kpm

    res = ingest_kpm(loader, raw / "kpm" / "Program Sembako Tahap 8 Agustus 2020.xlsx", "BPNT")
    t = res.tables[0]
    assert t.rows_quarantined == 0 and t.extracted.rows_blank == 0 and t.extracted.sheets_read == ["Sheet1"]
    assert t.extracted.n_rows == round(78_857 * 0.01)
