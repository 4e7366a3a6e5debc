"""End to end at scale 0.01: raw files -> bronze -> silver (with linkage) -> gold -> PostgreSQL,
checked against the generator's ground truth (the correctness oracle of the gold issue).

One run per session module: the real CLI steps' functions, real Delta tables, a real PostgreSQL.
"""

import pandas as pd
import psycopg
import pytest

from bansos360 import lakehouse
from bansos360.config import Config
from bansos360.gold.registry import load_all

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def run(spark, gen_messy, pg_module_url, tmp_path_factory):
    from bansos360.bronze.load import BronzeLoader, ingest_all
    from bansos360.gold.build import build_gold
    from bansos360.publish.pg import publish
    from bansos360.silver.build import build_all

    raw, _ = gen_messy
    lake = tmp_path_factory.mktemp("e2e_lake")
    cfg = Config()
    loads = ingest_all(BronzeLoader(spark, cfg, lake=lake, reports_dir=lake / "reports", profile=False), raw)
    assert all(r.status == "loaded" for r in loads), [(r.path, r.status) for r in loads if r.status != "loaded"]
    silver = build_all(spark, cfg, lake=lake)
    gold = build_gold(spark, cfg, lake=lake)
    published = publish(spark, lake=lake, url=pg_module_url)
    return {"raw": raw, "lake": lake, "silver": silver, "gold": gold, "published": published, "url": pg_module_url}


def q(run, sql):
    with psycopg.connect(run["url"]) as conn:
        return conn.execute(sql).fetchall()


def truth(run, name):
    return pd.read_parquet(run["raw"] / "_truth" / f"{name}.parquet")


def test_every_mart_built_and_published_with_its_rows(spark, run):
    marts = load_all()
    built = {m for m in run["gold"]["marts"]}
    assert built == {n for n, m in marts.items() if m.fn is not None}
    pub = {r["mart"]: r for r in run["published"]}
    assert set(pub) == set(marts)  # the marts plus gold.peringatan
    for name, r in pub.items():
        assert r["verified"] and r["rows"] == lakehouse.read_table(spark, "gold", name, run["lake"]).count(), name
    logged = dict(q(run, "SELECT mart, count(*) FROM gold._publish_log WHERE status = 'ok' GROUP BY mart"))
    assert set(logged) == set(marts)


def test_rfm_segments_equal_the_truth_population(run):
    got = dict(q(run, "SELECT segmen, count(*) FROM gold.mart_rfm GROUP BY segmen"))
    want = truth(run, "households").segment.value_counts().to_dict()
    assert got == want and sum(got.values()) > 500


def test_dtks_counts_per_period_equal_the_truth(run):
    got = dict(q(run, "SELECT periode, sum(jumlah_individu)::bigint FROM gold.mart_perbandingan_dtks GROUP BY periode"))
    assert got == truth(run, "person_periods").groupby("period").size().to_dict()
    hh = dict(q(run, "SELECT periode, sum(jumlah_rumah_tangga)::bigint FROM gold.mart_perbandingan_dtks "
                     "GROUP BY periode"))
    assert hh == truth(run, "household_periods").groupby("period").size().to_dict()


def test_desil_movement_graduated_and_new_equal_the_truth(run):
    hp = truth(run, "household_periods")
    periods = sorted(hp.period.unique())
    prev, last = periods[-2], periods[-1]
    a, b = set(hp[hp.period == prev].household_id), set(hp[hp.period == last].household_id)
    got = dict(q(run, f"SELECT status, sum(jumlah_rumah_tangga)::bigint FROM gold.mart_pergerakan_desil "
                      f"WHERE periode = '{last}' GROUP BY status"))
    assert got["graduasi"] == len(a - b) and got["baru"] == len(b - a)
    assert sum(v for k, v in got.items() if k not in ("graduasi",)) == len(b)


def test_kpm_not_in_dtks_equals_injected_outsiders_plus_linkage_misses(spark, run):
    """D3's 'not found in DTKS' = KPM records of persons in no DTKS period (injected inclusion
    errors) + records of DTKS persons the linkage missed - records linked wrongly."""
    from bansos360.silver import linkage as lk

    links = lakehouse.read_table(spark, "silver", "link_penerima_dtks", run["lake"])
    ev = lk.evaluate(links, spark.read.parquet(str(run["raw"] / "_truth" / "records.parquet")),
                     spark.read.parquet(str(run["raw"] / "_truth" / "person_periods.parquet")))["overall"]
    rec = truth(run, "records")
    outsiders = int((rec.source.str.startswith("kpm") & rec.person_id.isna()).sum())
    (not_found,), = q(run, "SELECT sum(jumlah_kpm)::bigint FROM gold.mart_desil_kpm WHERE status_dtks = 'tidak_ditemukan'")
    assert outsiders > 20 and ev["records"] == ev["in_dtks"] + outsiders
    assert not_found == outsiders + ev["fn"] - ev["fp"]
    # and the worklist names every one of those persons' records for review
    (listed,), = q(run, "SELECT count(*) FROM terbatas.mart_tindak_lanjut WHERE alasan_kode IN "
                        "('kpm_tidak_di_dtks', 'kpm_nik_milik_orang_lain')")
    assert 0 < listed <= not_found


def test_worklist_and_early_warning_reach_postgres(run):
    reasons = dict(q(run, "SELECT alasan_kode, count(*) FROM gold.mart_tindak_lanjut GROUP BY alasan_kode"))
    assert {"kpm_tidak_di_dtks", "nik_ganda", "aturan_program", "disabilitas_tidak_di_dtks"} <= set(reasons)
    cols = {c for (c,) in q(run, "SELECT column_name FROM information_schema.columns "
                                 "WHERE table_schema = 'gold' AND table_name = 'mart_tindak_lanjut'")}
    assert "nik_mask" in cols and "nik" not in cols and "nama" not in cols  # the masked view
    n = run["gold"]["peringatan"]["breaches"]
    (stored,), = q(run, "SELECT count(*) FROM gold.peringatan")
    assert stored == n
