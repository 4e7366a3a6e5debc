"""Gold marts of D6 (period comparison), D7 (desil movement), D8 (usulan vs penetapan), D11 (RFM) and
D12 (disability): tiny hand-made silver frames, hand-computed expectations, chispa comparisons."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from chispa import assert_df_equality
from pyspark.sql import functions as F

from bansos360.config import Config
from bansos360.errors import ConfigError
from bansos360.gold import marts_dtks as md
from bansos360.gold.context import GoldContext
from bansos360.gold.registry import MARTS

REPO_CONF = Path(__file__).resolve().parents[2] / "conf"
P = ["2018-05", "2019-07", "2019-10", "2020-01", "2020-10"]   # the configured periods
D1 = ("3503010001", "PANGGUL", "BARANG")
D2 = ("3503010002", "PANGGUL", "BESUKI")
D3 = ("3503020001", "MUNJUNGAN", "BENDOROTO")
NODESA = (None, None, None)


def frame(spark, types: dict[str, str], rows: list[dict]):
    """A DataFrame with exactly the columns of ``types``; keys missing in a row are null."""
    for r in rows:
        unknown = set(r) - set(types)
        assert not unknown, unknown
    return spark.createDataFrame([tuple(r.get(c) for c in types) for r in rows],
                                 ", ".join(f"{c} {t}" for c, t in types.items()))


def desa(d):
    return dict(zip(("kode_bps", "nama_kecamatan", "nama_desa"), d, strict=True))


def build(name: str, ctx: GoldContext):
    """Run a registered mart and check its registry columns are exactly its output columns."""
    df = MARTS[name].fn(ctx)
    assert df.columns == list(MARTS[name].columns), name
    assert all(MARTS[name].columns.values()), f"{name}: every column needs a comment"
    return df


def expect(spark, schema: str, rows):
    return spark.createDataFrame(rows, schema)


IND = {"periode": "string", "idartbdt": "string", "idbdt": "string", "nik": "string", "nik_format_ok": "boolean",
       "no_kk": "string", "nuk": "int", "ada_kks": "boolean", "ada_pbi": "boolean", "ada_kip": "boolean",
       "ada_pkh": "boolean", "ada_bpnt": "boolean", "kode_bps": "string", "nama_kecamatan": "string",
       "nama_desa": "string"}
RT = {"periode": "string", "idbdt": "string", "desil": "int", "desil_scheme": "string", "nama_krt_mask": "string",
      "nik_krt": "string", "no_kk_krt": "string", "kode_bps": "string", "nama_kecamatan": "string",
      "nama_desa": "string"}


def test_every_mart_of_this_module_is_registered_with_grain_and_description():
    mine = [m for m in MARTS.values() if getattr(m.fn, "__module__", None) == md.__name__]
    assert {m.name for m in mine} == {
        "mart_perbandingan_dtks", "mart_perbandingan_dtks_pasangan", "mart_pergerakan_desil",
        "mart_pergerakan_desil_detail", "mart_usulan_penetapan", "mart_rfm", "mart_rfm_ringkasan",
        "mart_disabilitas", "mart_disabilitas_detail"}
    for m in mine:
        assert m.grain and m.description and m.kecamatan_column == "kode_kec", m.name
        assert set(m.pii) <= set(m.columns) and set(m.indexes) <= set(m.columns)


# =========================================================================== D6
@pytest.fixture(scope="module")
def ctx_d6(spark):
    p1, p2, p3 = P[:3]
    ind = frame(spark, IND, [
        dict(periode=p1, idartbdt="a", idbdt="H1", no_kk="K1", ada_kks=True, ada_pkh=True, **desa(D1)),
        dict(periode=p1, idartbdt="b", idbdt="H1", no_kk="K1", ada_pbi=True, **desa(D1)),
        dict(periode=p1, idartbdt="c", idbdt="H2", no_kk=None, nuk=1, **desa(D1)),   # no valid KK: H2 family 1
        dict(periode=p1, idartbdt="d", idbdt="H3", no_kk="K3", **desa(D2)),
        dict(periode=p2, idartbdt="a", idbdt="H1", no_kk="K1", ada_kks=True, **desa(D1)),
        dict(periode=p2, idartbdt="b", idbdt="H1", no_kk="K1", **desa(D1)),
        dict(periode=p2, idartbdt="d", idbdt="H3", no_kk="K3", ada_bpnt=True, **desa(D2)),
        dict(periode=p2, idartbdt="e", idbdt="H4", no_kk="K4", ada_kip=True, **desa(D2)),
        dict(periode=p3, idartbdt="d", idbdt="H3", no_kk="K3", **desa(D2)),
    ])
    rt = frame(spark, RT, [dict(periode=p1, idbdt="H1", **desa(D1)), dict(periode=p1, idbdt="H2", **desa(D1)),
                           dict(periode=p1, idbdt="H3", **desa(D2)), dict(periode=p2, idbdt="H1", **desa(D1)),
                           dict(periode=p2, idbdt="H3", **desa(D2)), dict(periode=p2, idbdt="H4", **desa(D2)),
                           dict(periode=p3, idbdt="H3", **desa(D2))])
    return GoldContext.of(spark, periods=P[:3], individu=ind, rumah_tangga=rt)


def test_perbandingan_dtks_counts_per_period_and_desa(spark, ctx_d6):
    got = build("mart_perbandingan_dtks", ctx_d6)
    cols = ["periode", "periode_label", "kode_kec", "kode_bps", *md.D6_METRICS]
    schema = ("periode string, periode_label string, kode_kec string, kode_bps string, " +
              ", ".join(f"{m} long" for m in md.D6_METRICS))
    #                 periode     label         kec        desa   ind kel rt kks pbi kip pkh bpnt
    want = expect(spark, schema, [
        ("2018-05", "Mei 2018", "3503010", D1[0], 3, 2, 2, 1, 1, 0, 1, 0),
        ("2018-05", "Mei 2018", "3503010", D2[0], 1, 1, 1, 0, 0, 0, 0, 0),
        ("2019-07", "Juli 2019", "3503010", D1[0], 2, 1, 1, 1, 0, 0, 0, 0),
        ("2019-07", "Juli 2019", "3503010", D2[0], 2, 2, 2, 0, 0, 1, 0, 1),
        ("2019-10", "Oktober 2019", "3503010", D2[0], 1, 1, 1, 0, 0, 0, 0, 0),
    ])
    assert_df_equality(got.select(cols), want, ignore_row_order=True, ignore_nullable=True)


def test_perbandingan_dtks_pairs_every_ordered_pair(spark, ctx_d6):
    got = build("mart_perbandingan_dtks_pasangan", ctx_d6)
    # 3 ordered pairs x 2 desa (a desa present in either period) x 8 metrics
    assert got.count() == 3 * 2 * 8
    assert {(r[0], r[1]) for r in got.select("periode_a", "periode_b").distinct().collect()} == {
        ("2018-05", "2019-07"), ("2018-05", "2019-10"), ("2019-07", "2019-10")}
    sel = got.where(
        ((F.col("periode_a") == "2018-05") & (F.col("periode_b") == "2019-10") & (F.col("kode_bps") == D1[0])
         & (F.col("metrik") == "jumlah_individu"))
        | ((F.col("periode_a") == "2018-05") & (F.col("periode_b") == "2019-07") & (F.col("kode_bps") == D2[0])
           & (F.col("metrik") == "jumlah_rumah_tangga"))
        | ((F.col("periode_a") == "2019-07") & (F.col("periode_b") == "2019-10") & (F.col("kode_bps") == D1[0])
           & (F.col("metrik") == "jumlah_kip"))
        | ((F.col("periode_a") == "2018-05") & (F.col("periode_b") == "2019-07") & (F.col("kode_bps") == D1[0])
           & (F.col("metrik") == "jumlah_keluarga")))
    want = expect(spark, "periode_a string, periode_b string, kode_bps string, metrik string, metrik_label string, "
                         "nilai_a long, nilai_b long, selisih long, persen_perubahan double", [
        ("2018-05", "2019-10", D1[0], "jumlah_individu", "Individu (ART)", 3, 0, -3, -100.0),
        ("2018-05", "2019-07", D2[0], "jumlah_rumah_tangga", "Rumah tangga", 1, 2, 1, 100.0),
        ("2019-07", "2019-10", D1[0], "jumlah_kip", "Individu dengan KIP", 0, 0, 0, None),
        ("2018-05", "2019-07", D1[0], "jumlah_keluarga", "Keluarga (KK)", 2, 1, -1, -50.0),
    ])
    assert_df_equality(sel.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)


# =========================================================================== D7
@pytest.fixture(scope="module")
def ctx_d7(spark):
    p1, p2, p3 = P[:3]
    rows = [("H1", p1, 1, D1), ("H1", p2, 2, D1), ("H1", p3, 2, D1),
            ("H2", p1, 3, D1), ("H2", p2, 2, D1),
            ("H3", p1, None, D2), ("H3", p2, 1, D2), ("H3", p3, 1, D2),
            ("H4", p2, 4, D2), ("H4", p3, 4, D1),               # moved from D2 to D1
            ("H5", p1, 2, NODESA), ("H5", p2, 2, NODESA),       # desa unknown
            ("H6", p1, 2, D1), ("H6", p3, 1, D1)]               # left, came back
    rt = frame(spark, RT, [dict(idbdt=h, periode=p, desil=d, desil_scheme="dtks4", nama_krt_mask=f"KR {h}",
                                nik_krt="3503010101800001", **desa(w)) for h, p, d, w in rows])
    return GoldContext.of(spark, periods=P[:3], rumah_tangga=rt)


def test_pergerakan_desil_aggregate_hand_computed(spark, ctx_d7):
    got = build("mart_pergerakan_desil", ctx_d7)
    want = expect(spark, "periode string, periode_sebelumnya string, kode_bps string, status string, "
                         "jumlah_rumah_tangga long, jumlah_rt_sebelumnya long, persen_dari_sebelumnya double", [
        # 2019-07 vs 2018-05: previous households D1 = H1,H2,H6 (3); D2 = H3 (1); unknown desa = H5 (1)
        ("2019-07", "2018-05", D1[0], "naik", 1, 3, 33.33),
        ("2019-07", "2018-05", D1[0], "turun", 1, 3, 33.33),
        ("2019-07", "2018-05", D1[0], "graduasi", 1, 3, 33.33),
        ("2019-07", "2018-05", D2[0], "tanpa_desil", 1, 1, 100.0),
        ("2019-07", "2018-05", D2[0], "baru", 1, 1, 100.0),
        ("2019-07", "2018-05", None, "tetap", 1, 1, 100.0),
        # 2019-10 vs 2019-07: previous D1 = H1,H2 (2); D2 = H3,H4 (2); unknown = H5 (1)
        ("2019-10", "2019-07", D1[0], "tetap", 2, 2, 100.0),
        ("2019-10", "2019-07", D1[0], "graduasi", 1, 2, 50.0),
        ("2019-10", "2019-07", D1[0], "baru", 1, 2, 50.0),
        ("2019-10", "2019-07", D2[0], "tetap", 1, 2, 50.0),
        ("2019-10", "2019-07", None, "graduasi", 1, 1, 100.0),
    ])
    assert_df_equality(got.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)


def test_pergerakan_desil_detail(spark, ctx_d7):
    got = build("mart_pergerakan_desil_detail", ctx_d7)
    want = expect(spark, "periode string, idbdt string, status string, desil_sebelumnya int, desil int, "
                         "desil_band_sebelumnya string, desil_band string, nama_krt_mask string, kode_bps string", [
        ("2019-07", "H1", "naik", 1, 2, "Desil 1-2", "Desil 1-2", "KR H1", D1[0]),
        ("2019-07", "H2", "turun", 3, 2, "Desil 3-4", "Desil 1-2", "KR H2", D1[0]),
        ("2019-07", "H3", "tanpa_desil", None, 1, "Tanpa desil", "Desil 1-2", "KR H3", D2[0]),
        ("2019-07", "H4", "baru", None, 4, None, "Desil 3-4", "KR H4", D2[0]),
        ("2019-07", "H5", "tetap", 2, 2, "Desil 1-2", "Desil 1-2", "KR H5", None),
        ("2019-07", "H6", "graduasi", 2, None, "Desil 1-2", None, "KR H6", D1[0]),
        ("2019-10", "H1", "tetap", 2, 2, "Desil 1-2", "Desil 1-2", "KR H1", D1[0]),
        ("2019-10", "H2", "graduasi", 2, None, "Desil 1-2", None, "KR H2", D1[0]),
        ("2019-10", "H3", "tetap", 1, 1, "Desil 1-2", "Desil 1-2", "KR H3", D2[0]),
        ("2019-10", "H4", "tetap", 4, 4, "Desil 3-4", "Desil 3-4", "KR H4", D1[0]),
        ("2019-10", "H5", "graduasi", 2, None, "Desil 1-2", None, "KR H5", None),
        ("2019-10", "H6", "baru", None, 1, None, "Desil 1-2", "KR H6", D1[0]),
    ])
    assert_df_equality(got.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)
    assert {r[0] for r in got.select("nik_krt_mask").distinct().collect()} == {"3503010101******"}


# =========================================================================== D8
def test_usulan_penetapan_levels_and_previous_period(spark):
    p1, p2, p3 = "2019-07", "2019-10", "2020-01"
    ind = frame(spark, IND, [
        dict(periode=p1, idartbdt="A1", idbdt="H1", nik="N1", no_kk="K1"),
        dict(periode=p1, idartbdt="A2", idbdt="H1", nik="N2", no_kk="K1"),
        dict(periode=p2, idartbdt="A1", idbdt="H1", nik="N1", no_kk="K1"),
        dict(periode=p2, idartbdt="A9", idbdt="H9", nik="N5", no_kk="K5"),
    ])
    us_types = {"periode": "string", "record_id": "string", "nik": "string", "no_kk": "string", "idbdt": "string",
                "jenis_usulan": "string", "kode_bps": "string", "nama_kecamatan": "string", "nama_desa": "string"}
    us = frame(spark, us_types, [
        dict(periode=p1, record_id="u1", idbdt="H1", nik="N1", no_kk="K1", jenis_usulan="PERBAIKAN", **desa(D1)),
        dict(periode=p1, record_id="u2", idbdt="H1", nik="N3", no_kk="K1", jenis_usulan="PERBAIKAN", **desa(D1)),
        dict(periode=p1, record_id="u3", idbdt="  ", nik="N4", no_kk="K4", jenis_usulan="baru", **desa(D1)),
        dict(periode=p2, record_id="u4", nik="N5", no_kk="K5", jenis_usulan="BARU", **desa(D1)),
        dict(periode=p2, record_id="u5", nik=None, no_kk="K6", jenis_usulan="BARU", **desa(D1)),
        dict(periode=p3, record_id="u6", nik="N7", no_kk="K7", jenis_usulan="BARU", **desa(D2)),  # DTKS not loaded
    ])
    ctx = GoldContext.of(spark, periods=[p1, p2], individu=ind, usulan=us)
    got = build("mart_usulan_penetapan", ctx)
    want = expect(spark, "periode string, tingkat string, jenis_usulan string, kode_bps string, dtks_tersedia boolean, "
                         "jumlah_diusulkan long, jumlah_ditetapkan long, persen_ditetapkan double, "
                         "periode_sebelumnya string, jumlah_diusulkan_sebelumnya long, "
                         "jumlah_ditetapkan_sebelumnya long, persen_ditetapkan_sebelumnya double, "
                         "selisih_persen_ditetapkan double", [
        (p1, "rumah_tangga", "PERBAIKAN", D1[0], True, 1, 1, 100.0, None, None, None, None, None),
        (p1, "keluarga", "PERBAIKAN", D1[0], True, 1, 1, 100.0, None, None, None, None, None),
        (p1, "individu", "PERBAIKAN", D1[0], True, 2, 1, 50.0, None, None, None, None, None),
        (p1, "rumah_tangga", "BARU", D1[0], True, 1, 0, 0.0, None, None, None, None, None),
        (p1, "keluarga", "BARU", D1[0], True, 1, 0, 0.0, None, None, None, None, None),
        (p1, "individu", "BARU", D1[0], True, 1, 0, 0.0, None, None, None, None, None),
        (p2, "rumah_tangga", "BARU", D1[0], True, 2, 1, 50.0, p1, 1, 0, 0.0, 50.0),
        (p2, "keluarga", "BARU", D1[0], True, 2, 1, 50.0, p1, 1, 0, 0.0, 50.0),
        (p2, "individu", "BARU", D1[0], True, 2, 1, 50.0, p1, 1, 0, 0.0, 50.0),
        (p3, "rumah_tangga", "BARU", D2[0], False, 1, None, None, p2, None, None, None, None),
        (p3, "keluarga", "BARU", D2[0], False, 1, None, None, p2, None, None, None, None),
        (p3, "individu", "BARU", D2[0], False, 1, None, None, p2, None, None, None, None),
    ])
    assert_df_equality(got.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)


# =========================================================================== D11 RFM
RFM_5 = {  # household -> periods present (indexes into P), desa, last desil
    "H1": ([0, 1, 2, 3, 4], D1, 1),   # R Tinggi, F Tinggi -> A
    "H2": ([1, 2, 3, 4], D1, 3),      # T, Sedang (4 of 5) -> B
    "H3": ([4], D2, 2),               # T, Rendah -> C
    "H4": ([0, 1, 2, 3], D2, 4),      # last seen 1 before the latest: Sedang, Sedang -> E
    "H5": ([0, 1, 2], D1, None),      # 2 before: Sedang, Sedang (3 of 5) -> E
    "H6": ([0, 1], D2, 1),            # 3 before: Rendah, Rendah -> I
    "H7": ([2], D1, 2),               # Sedang, Rendah -> F
    "H8": ([0, 2, 4], D1, 1),         # T, Sedang -> B
}


def rfm_ctx(spark, periods, households, cfg=None):
    rows = []
    for h, (idx, d, desil) in households.items():
        for i in idx:
            rows.append(dict(idbdt=h, periode=periods[i], desil=desil, desil_scheme="dtks4",
                             nama_krt_mask="BU*** SA***", nik_krt="3503010101800001", no_kk_krt="3503010101800099",
                             **desa(d)))
    return GoldContext.of(spark, cfg=cfg, periods=periods, rumah_tangga=frame(spark, RT, rows))


def _segments(df):
    return {r["idbdt"]: (r["recency"], r["frequency"], r["segmen"]) for r in df.collect()}


def test_rfm_five_periods_reproduces_the_report(spark):
    got = build("mart_rfm", rfm_ctx(spark, P, RFM_5))
    want = expect(spark, "idbdt string, recency string, frequency string, segmen string, jumlah_periode long, "
                         "jumlah_periode_total long, pola_kehadiran string, periode_terakhir string, "
                         "desil_terakhir int, desil_band string, kode_kec string", [
        ("H1", "Tinggi", "Tinggi", "A", 5, 5, "11111", "2020-10", 1, "Desil 1-2", "3503010"),
        ("H2", "Tinggi", "Sedang", "B", 4, 5, "01111", "2020-10", 3, "Desil 3-4", "3503010"),
        ("H3", "Tinggi", "Rendah", "C", 1, 5, "00001", "2020-10", 2, "Desil 1-2", "3503010"),
        ("H4", "Sedang", "Sedang", "E", 4, 5, "11110", "2020-01", 4, "Desil 3-4", "3503010"),
        ("H5", "Sedang", "Sedang", "E", 3, 5, "11100", "2019-10", None, "Tanpa desil", "3503010"),
        ("H6", "Rendah", "Rendah", "I", 2, 5, "11000", "2019-07", 1, "Desil 1-2", "3503010"),
        ("H7", "Sedang", "Rendah", "F", 1, 5, "00100", "2019-10", 2, "Desil 1-2", "3503010"),
        ("H8", "Tinggi", "Sedang", "B", 3, 5, "10101", "2020-10", 1, "Desil 1-2", "3503010"),
    ])
    assert_df_equality(got.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)
    row = got.where("idbdt = 'H1'").first()
    assert (row.nik_krt_mask, row.no_kk_krt_mask, row.segmen_label) == (
        "3503010101******", "3503010101******", "A - Selalu terdaftar, masih terdaftar")


def test_rfm_three_periods_generalizes(spark):
    p3 = P[:3]
    hh = {"H1": ([0, 1, 2], D1, 1),   # 3 of 3: Tinggi, Tinggi -> A
          "H2": ([1, 2], D1, 1),      # 2 of 3 = ceil(0.6 * 3): Sedang -> B
          "H3": ([2], D1, 1),         # 1 of 3: Rendah -> C
          "H4": ([0, 1], D1, 1),      # lag 1: Sedang, Sedang -> E
          "H5": ([0], D1, 1)}         # lag 2: Sedang, Rendah -> F
    got = build("mart_rfm", rfm_ctx(spark, p3, hh))
    assert _segments(got) == {"H1": ("Tinggi", "Tinggi", "A"), "H2": ("Tinggi", "Sedang", "B"),
                              "H3": ("Tinggi", "Rendah", "C"), "H4": ("Sedang", "Sedang", "E"),
                              "H5": ("Sedang", "Rendah", "F")}
    assert {r.jumlah_periode_total for r in got.collect()} == {3}


def _conf_copy(tmp_path: Path, rfm_text: str | None = None, params_text: str | None = None) -> Path:
    conf = tmp_path / "conf"
    shutil.copytree(REPO_CONF, conf)
    if rfm_text is not None:
        (conf / "rfm.yaml").write_text(rfm_text)
    if params_text is not None:
        (conf / "gold_params.yaml").write_text(params_text)
    return conf


def test_rfm_thresholds_come_from_conf(spark, tmp_path):
    text = (REPO_CONF / "rfm.yaml").read_text()
    text = text.replace("sedang_max_lag: 2", "sedang_max_lag: 1").replace("tinggi: {min_share: 1.0}",
                                                                          "tinggi: {min_periods: 2}")
    cfg = Config(_conf_copy(tmp_path, rfm_text=text))
    hh = {"H2": ([1, 2], D1, 1), "H4": ([0, 1], D1, 1), "H5": ([0], D1, 1)}
    got = build("mart_rfm", rfm_ctx(spark, P[:3], hh, cfg=cfg))
    assert _segments(got) == {"H2": ("Tinggi", "Tinggi", "A"), "H4": ("Sedang", "Tinggi", "D"),
                              "H5": ("Rendah", "Rendah", "I")}


def test_rfm_ringkasan_counts_and_shares(spark):
    got = build("mart_rfm_ringkasan", rfm_ctx(spark, P, RFM_5))
    # D1: H1 A, H2 B, H5 E, H7 F, H8 B (5 households); D2: H3 C, H4 E, H6 I (3); 8 in all
    want = expect(spark, "kode_bps string, segmen string, desil_band string, jumlah_rumah_tangga long, "
                         "persen_dari_desa double, persen_dari_kabupaten double", [
        (D1[0], "A", "Desil 1-2", 1, 20.0, 12.5),
        (D1[0], "B", "Desil 3-4", 1, 20.0, 12.5),
        (D1[0], "B", "Desil 1-2", 1, 20.0, 12.5),
        (D1[0], "E", "Tanpa desil", 1, 20.0, 12.5),
        (D1[0], "F", "Desil 1-2", 1, 20.0, 12.5),
        (D2[0], "C", "Desil 1-2", 1, 33.33, 12.5),
        (D2[0], "E", "Desil 3-4", 1, 33.33, 12.5),
        (D2[0], "I", "Desil 1-2", 1, 33.33, 12.5),
    ])
    assert_df_equality(got.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)


@pytest.mark.parametrize("old,new,key", [
    ("sedang: {min_share: 0.6}", "sedang: {min_share: 0.6, min_periods: 3}", "frequency.sedang"),
    ("sedang: {min_share: 0.6}", "sedang: {min_share: 1.5}", "frequency.sedang.min_share"),
    ("sedang_max_lag: 2", "sedang_max_lag: -1", "recency.sedang_max_lag"),
    ("tinggi_max_lag: 0", "tinggi_max_lag: 0\n  bogus: 1", "recency.bogus"),
    ("B: {recency: Tinggi, frequency: Sedang", "B: {recency: Tinggi, frequency: Tinggi", "segments"),
    ("C: {recency: Tinggi, frequency: Rendah", "C: {recency: Tinggi, frequency: Sangat", "segments.C.frequency"),
])
def test_rfm_conf_errors_name_file_and_key(tmp_path, old, new, key):
    text = (REPO_CONF / "rfm.yaml").read_text()
    assert old in text
    conf = _conf_copy(tmp_path, rfm_text=text.replace(old, new))
    with pytest.raises(ConfigError) as err:
        md.load_rfm_config(conf)
    assert f"rfm.yaml: {key}" in str(err.value)


def test_repo_conf_files_are_valid():
    cfg = md.load_rfm_config(REPO_CONF)
    assert cfg.frequency.thresholds(5) == (5, 3) and cfg.frequency.thresholds(3) == (3, 2)
    assert len(md.load_gold_params(REPO_CONF).kelompok_umur_disabilitas) >= 2


def test_gold_params_errors_name_file_and_key(tmp_path):
    conf = _conf_copy(tmp_path, params_text="kelompok_umur_disabilitas:\n  - {label: a, min: 0, max: 10}\n"
                                            "  - {label: b, min: 5, max: null}\n")
    with pytest.raises(ConfigError, match=r"gold_params\.yaml: kelompok_umur_disabilitas.*overlap"):
        md.load_gold_params(conf)


# =========================================================================== D12
def test_disabilitas_categories_and_detail(spark):
    dtks_latest, dtks_prev = "2020-10", "2019-10"
    dis_types = {"periode": "string", "record_id": "string", "nik": "string", "nik_mask": "string", "nama": "string",
                 "nama_mask": "string", "jenis_kelamin": "string", "tanggal_lahir": "date",
                 "jenis_disabilitas": "string", "alamat": "string", "kode_bps": "string",
                 "nama_kecamatan": "string", "nama_desa": "string"}
    import datetime as dt
    d = dt.date
    dis = frame(spark, dis_types, [
        dict(periode="2020-10", record_id="r1", nik="N1", jenis_kelamin="1", tanggal_lahir=d(1950, 1, 1),
             jenis_disabilitas="Tunanetra", **desa(D1)),
        dict(periode="2020-10", record_id="r2", nik="N2", jenis_kelamin="2", tanggal_lahir=d(2010, 5, 1),
             jenis_disabilitas="Tunarungu", **desa(D1)),
        dict(periode="2020-10", record_id="r3", nik="N3", jenis_kelamin="2", tanggal_lahir=d(1990, 1, 1),
             jenis_disabilitas="Tunanetra", **desa(NODESA)),      # desa unmatched: taken from DTKS
        dict(periode="2020-10", record_id="r4", **desa(D2)),
        dict(periode="2020-10", record_id="r5", nik="N5", jenis_kelamin="1", tanggal_lahir=d(1950, 6, 1),
             jenis_disabilitas="Tunanetra", **desa(D1)),
    ])
    link_types = {"record_id": "string", "idartbdt": "string", "idbdt": "string", "periode": "string",
                  "in_latest": "boolean", "match_method": "string", "match_probability": "double"}
    ld = frame(spark, link_types, [
        dict(record_id="r1", idartbdt="A1", idbdt="H1", periode=dtks_latest, in_latest=True, match_method="nik_latest",
             match_probability=1.0),
        dict(record_id="r2", idartbdt="A2", idbdt="H1", periode=dtks_latest, in_latest=True, match_method="nik_latest"),
        dict(record_id="r3", idartbdt="A3", idbdt="H3", periode=dtks_prev, in_latest=False, match_method="nik_history"),
        dict(record_id="r4", match_method="none"),
        dict(record_id="r5", idartbdt="A5", idbdt="H5", periode=dtks_latest, in_latest=True,
             match_method="probabilistic", match_probability=0.97),
    ])
    lp = frame(spark, {**link_types, "program": "string"}, [
        dict(record_id="k1", program="PKH", idartbdt="A1", idbdt="H1", periode=dtks_latest, match_method="nik_latest"),
        dict(record_id="k2", program="BPNT", idartbdt="A5", idbdt="H5", periode=dtks_latest,
             match_method="probabilistic"),
        dict(record_id="k3", program="KPE", match_method="nik_name_conflict"),
    ])
    pen = frame(spark, {"record_id": "string", "program": "string", "nik": "string"},
                [dict(record_id="k4", program="BST", nik="N3"), dict(record_id="k1", program="PKH", nik="N1")])
    ind = frame(spark, IND, [dict(periode=dtks_latest, idartbdt="A1", idbdt="H1", **desa(D1)),
                             dict(periode=dtks_latest, idartbdt="A2", idbdt="H1", **desa(D1)),
                             dict(periode=dtks_prev, idartbdt="A3", idbdt="H3", **desa(D2)),
                             dict(periode=dtks_latest, idartbdt="A5", idbdt="H5", **desa(D1))])
    rt = frame(spark, RT, [dict(periode=dtks_latest, idbdt="H1", desil=2, desil_scheme="dtks4", **desa(D1)),
                           dict(periode=dtks_prev, idbdt="H3", desil=3, desil_scheme="dtks4", **desa(D2)),
                           dict(periode=dtks_latest, idbdt="H5", desil=4, desil_scheme="dtks4", **desa(D1))])
    ctx = GoldContext.of(spark, periods=[dtks_prev, dtks_latest], individu=ind, rumah_tangga=rt, disabilitas=dis,
                         link_disabilitas=ld, link_penerima=lp, penerima=pen)
    got = build("mart_disabilitas", ctx)
    want = expect(spark, "kode_bps string, jenis_kelamin_label string, jenis_disabilitas string, kelompok_umur string, "
                         "kategori string, menerima_bansos boolean, jumlah_orang long", [
        (D1[0], "Laki-laki", "Tunanetra", "60 tahun ke atas", "di_dtks_dan_menerima", True, 2),
        (D1[0], "Perempuan", "Tunarungu", "6-17 tahun", "di_dtks_tidak_menerima", False, 1),
        (D2[0], "Perempuan", "Tunanetra", "18-59 tahun", "tidak_di_dtks", True, 1),
        (D2[0], "Tidak diketahui", "Tidak diketahui", "Tidak diketahui", "tidak_di_dtks", False, 1),
    ])
    assert_df_equality(got.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)

    det = build("mart_disabilitas_detail", ctx)
    want = expect(spark, "record_id string, umur int, kode_bps string, di_dtks boolean, pernah_di_dtks boolean, "
                         "desil int, desil_band string, program_bansos string, kategori string", [
        ("r1", 70, D1[0], True, True, 2, "Desil 1-2", "PKH", "di_dtks_dan_menerima"),
        ("r2", 10, D1[0], True, True, 2, "Desil 1-2", None, "di_dtks_tidak_menerima"),
        ("r3", 30, D2[0], False, True, 3, None, "BST", "tidak_di_dtks"),
        ("r4", None, D2[0], False, False, None, None, None, "tidak_di_dtks"),
        ("r5", 70, D1[0], True, True, 4, "Desil 3-4", "BPNT", "di_dtks_dan_menerima"),
    ])
    assert_df_equality(det.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)
    assert MARTS["mart_disabilitas_detail"].schema == "terbatas"
