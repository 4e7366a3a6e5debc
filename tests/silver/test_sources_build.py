"""Silver penerima_bansos / disabilitas / usulan on generated data (scale 0.01) against the truth."""

import pandas as pd
import pytest

from bansos360 import lakehouse
from bansos360.bronze.load import BronzeLoader, ingest_kind, ingest_kpm
from bansos360.config import Config
from bansos360.silver.build import build_sources

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(spark, gen_messy, tmp_path_factory):
    raw, _ = gen_messy
    lake = tmp_path_factory.mktemp("silver_sources")
    loader = BronzeLoader(spark, Config(), lake=lake, reports_dir=lake / "r", profile=False)
    for f, prog in [("ExportMstPeserta PKH (8-7-2020).xlsx", "PKH"), ("Program Sembako Tahap 8 Agustus 2020.xlsx", "BPNT"),
                    ("BNBA KPE 20K.xlsx", "KPE")]:
        ingest_kpm(loader, raw / "kpm" / f, prog)
    ingest_kind(loader, "disabilitas", raw / "disabilitas" / "Data Disabilitas Trenggalek.xlsx", "2020-10")
    ingest_kind(loader, "usulan", raw / "usulan" / "Usulan Daerah 2020-10.csv", "2020-10")
    build_sources(spark, Config(), lake=lake)
    return spark, lake, raw


def _truth_join(spark, lake, raw, table):
    rec = pd.read_parquet(raw / "_truth" / "records.parquet")
    rec["file_name"] = rec.file.str.rsplit("/", n=1).str[-1]
    rec["sheet_key"] = rec.sheet.fillna("")
    s = lakehouse.read_table(spark, "silver", table, lake).toPandas()
    s["sheet_key"] = s._sheet.fillna("")
    return rec.merge(s, left_on=["file_name", "sheet_key", "row_number"],
                     right_on=["_source_file", "sheet_key", "_row_number"], how="inner")


def test_valid_nik_is_the_true_nik_and_invalid_ones_carry_a_reason(built):
    spark, lake, raw = built
    m = _truth_join(spark, lake, raw, "penerima_bansos")
    assert len(m) == lakehouse.read_table(spark, "silver", "penerima_bansos", lake).count() > 0
    ok = m[m.nik_format_ok]
    assert (ok.nik == ok.nik_true).mean() > 0.98  # the rest: NIK ganda rows, written with another person's NIK
    anomalies = pd.read_parquet(raw / "_truth" / "anomalies.parquet")
    lost = anomalies[anomalies.kind == "nik_float_lost_digit"][["file", "sheet", "row_number"]]
    lost["file_name"] = lost.file.str.rsplit("/", n=1).str[-1]
    flagged = m.merge(lost, left_on=["file_name", "sheet", "row_number"], right_on=["file_name", "sheet", "row_number"])
    assert len(flagged) and set(flagged.nik_reason) == {"float_lost_digits"} and flagged.nik.isna().all()
    assert set(m[~m.nik_format_ok].nik_reason) <= {"empty", "float_lost_digits", "non_digit", "placeholder",
                                                   "too_short", "too_long"}


def test_places_match_the_true_desa(built):
    spark, lake, raw = built
    m = _truth_join(spark, lake, raw, "penerima_bansos")
    persons = pd.read_parquet(raw / "_truth" / "persons.parquet")[["person_id", "kode_bps"]]
    m = m.merge(persons, on="person_id", how="left", suffixes=("", "_true"))
    matched = m[m.kode_bps.notna() & m.kode_bps_true.notna()]
    assert len(matched) > 0.9 * m.kode_bps_true.notna().sum()
    assert (matched.kode_bps == matched.kode_bps_true).mean() > 0.97  # movers keep an older address


def test_disabilitas_and_usulan_tables(built):
    spark, lake, raw = built
    dis = lakehouse.read_table(spark, "silver", "disabilitas", lake).toPandas()
    assert len(dis) == round(6_162 * 0.01) and dis.jenis_disabilitas.notna().mean() > 0.9
    us = lakehouse.read_table(spark, "silver", "usulan", lake).toPandas()
    assert len(us) > 0 and set(us.periode) == {"2020-10"} and us.tanggal_lahir.notna().mean() > 0.95
