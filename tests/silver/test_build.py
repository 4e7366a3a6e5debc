"""Silver DTKS build on generated data (scale 0.01): checked against the generator's truth."""

import pandas as pd
import pytest
from pyspark.sql import functions as F

from bansos360 import lakehouse
from bansos360.bronze.load import BronzeLoader, ingest_dtks
from bansos360.config import Config
from bansos360.silver.build import build_dtks

pytestmark = pytest.mark.slow
PERIODS = ["2018-05", "2020-10"]  # the old wide layout and the settled one


@pytest.fixture(scope="module")
def silver(spark, gen_messy, tmp_path_factory):
    raw, _ = gen_messy
    lake = tmp_path_factory.mktemp("silver_lake")
    loader = BronzeLoader(spark, Config(), lake=lake, reports_dir=lake / "r", profile=False)
    for p in PERIODS:
        ingest_dtks(loader, raw / "dtks" / f"3503_DTKS_{p}.zip", p)
    versions = build_dtks(spark, Config(), lake=lake)
    return spark, lake, raw, versions


def test_one_row_per_person_and_household_per_period(silver):
    spark, lake, raw, _ = silver
    pp = pd.read_parquet(raw / "_truth" / "person_periods.parquet")
    ind = lakehouse.read_table(spark, "silver", "individu", lake)
    got = {r["periode"]: r["count"] for r in ind.groupBy("periode").count().collect()}
    assert got == pp[pp.period.isin(PERIODS)].groupby("period").size().to_dict()
    assert ind.groupBy("periode", "idartbdt").count().where("count > 1").count() == 0


def test_desil_matches_truth_and_carries_its_scheme(silver):
    spark, lake, raw, _ = silver
    hp = pd.read_parquet(raw / "_truth" / "household_periods.parquet")
    hp = hp[hp.period.isin(PERIODS)]
    rt = lakehouse.read_table(spark, "silver", "rumah_tangga", lake).select(
        "periode", "idbdt", "desil", "desil_scheme", "n_anggota", "kode_bps").toPandas()
    m = hp.merge(rt, left_on=["period", "household_id"], right_on=["periode", "idbdt"], how="left")
    assert m.idbdt.notna().all()
    truth_desil = m.desil_x.where(m.desil_x.between(1, 4))
    assert (truth_desil.fillna(-1).astype(int) == m.desil_y.fillna(-1).astype(int)).mean() > 0.99
    assert set(m.desil_scheme) == {"dtks4"}
    assert (m.n_members == m.n_anggota).all()
    assert (m.kode_bps_x == m.kode_bps_y).all()


def test_nik_flags_match_the_injected_mismatches(silver):
    spark, lake, raw, _ = silver
    anomalies = pd.read_parquet(raw / "_truth" / "anomalies.parquet")
    mism = anomalies[(anomalies.kind == "dtks_nik_lahir_mismatch")
                     & anomalies.file.str.contains("2020-10") & (anomalies.sheet == "3503_ART.csv")]
    ind = (lakehouse.read_table(spark, "silver", "individu", lake).where(F.col("periode") == "2020-10")
           .select("_row_number", "nik_format_ok", "nik_lahir_ok", "tanggal_lahir").toPandas())
    assert ind.nik_format_ok.all()  # DTKS NIKs are all well-formed in the generated data
    flagged = set(ind[ind.nik_lahir_ok == False]._row_number)  # noqa: E712
    injected = set(mism.row_number.astype(int))
    assert injected and injected <= flagged | set(ind[ind.tanggal_lahir.isna()]._row_number)
    assert len(flagged - injected) <= 0.01 * len(ind)


def test_rebuilding_one_period_leaves_the_other_untouched(silver):
    spark, lake, _, _ = silver
    path = lakehouse.table_path("silver", "individu", lake)
    before = lakehouse.read_table(spark, "silver", "individu", lake).where("periode = '2018-05'")
    v = lakehouse.table_version(spark, "silver", "individu", lake)
    build_dtks(spark, Config(), periods=["2020-10"], lake=lake)
    hist = spark.sql(f"DESCRIBE HISTORY delta.`{path}`").where(f"version > {v}").collect()
    assert len(hist) == 1 and "2020-10" in str(hist[0]["operationParameters"])
    after = lakehouse.read_table(spark, "silver", "individu", lake).where("periode = '2018-05'")
    assert after.exceptAll(before).count() == 0 and before.exceptAll(after).count() == 0
