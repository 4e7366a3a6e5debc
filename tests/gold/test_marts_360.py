"""Gold marts of D9 (360 individual + history) and D10 (360 household + members): tiny hand-made
silver frames, hand-computed expectations, chispa comparisons."""

from __future__ import annotations

import pytest
from chispa import assert_df_equality

from bansos360.gold import marts_360 as m3
from bansos360.gold.context import GoldContext
from bansos360.gold.registry import MARTS
from bansos360.silver.dtks import RT_ASSETS, RT_CODED, RT_COUNTS

P1, P2 = "2019-10", "2020-10"
D1 = {"kode_bps": "3503010001", "nama_kecamatan": "PANGGUL", "nama_desa": "BARANG"}
D2 = {"kode_bps": "3503020001", "nama_kecamatan": "MUNJUNGAN", "nama_desa": "BENDOROTO"}
NX = "3503014101900001"
NS = "3503014101900002"   # one NIK held by two IDARTBDT in one period: not a person key

IND = {c: "string" for c in (
    "periode", "idartbdt", "idbdt", "nik", "nik_mask", "no_kk", "nama", "nama_mask", "jenis_kelamin_label",
    "tempat_lahir", "hub_krt_label", "sta_kawin_label", "partisipasi_sekolah_label", "pendidikan_tertinggi_label",
    "ijazah_tertinggi_label", "sta_bekerja_label", "lapangan_usaha_label", "status_pekerjaan_label",
    "jenis_cacat_label", "penyakit_kronis_label", "kode_bps", "nama_kecamatan", "nama_desa")}
IND.update({"nik_format_ok": "boolean", "tanggal_lahir": "date", "umur": "int", "is_disabilitas": "boolean",
            "is_penyakit_kronis": "boolean", "ada_kks": "boolean", "ada_pbi": "boolean", "ada_kip": "boolean",
            "ada_pkh": "boolean", "ada_bpnt": "boolean"})
RT = {"periode": "string", "idbdt": "string", "alamat": "string", "nama_sls": "string", "nama_krt": "string",
      "nama_krt_mask": "string", "luas_lantai": "double", "desil": "int", "desil_scheme": "string",
      **{f"{c}_label": "string" for c in RT_CODED}, **{c: "boolean" for c in RT_ASSETS},
      **{c: "int" for c in RT_COUNTS}, "n_anggota": "bigint", "n_kk_anggota": "bigint", "n_lansia": "bigint",
      "n_disabilitas": "bigint", "nik_krt": "string", "no_kk_krt": "string", "kode_bps": "string",
      "nama_kecamatan": "string", "nama_desa": "string"}
LINK = {"record_id": "string", "program": "string", "idartbdt": "string", "idbdt": "string", "periode": "string",
        "in_latest": "boolean", "match_method": "string"}


def frame(spark, types, rows):
    for r in rows:
        assert not set(r) - set(types), set(r) - set(types)
    return spark.createDataFrame([tuple(r.get(c) for c in types) for r in rows],
                                 ", ".join(f"{c} {t}" for c, t in types.items()))


def build(name, ctx):
    df = MARTS[name].fn(ctx)
    assert df.columns == list(MARTS[name].columns), name
    assert all(MARTS[name].columns.values()), f"{name}: every column needs a comment"
    return df


@pytest.fixture(scope="module")
def ctx(spark):
    ind = frame(spark, IND, [
        # person X (valid NIK) moved from H1 to H2 and got a new IDARTBDT
        dict(periode=P1, idartbdt="A1", idbdt="H1", nik=NX, nik_format_ok=True, nama="SITI AMINAH", ada_kks=True,
             hub_krt_label="Istri/suami", **D1),
        dict(periode=P2, idartbdt="A1b", idbdt="H2", nik=NX, nik_format_ok=True, nama="SITI AMINAH", ada_pbi=True,
             ada_pkh=True, hub_krt_label="Kepala rumah tangga", umur=70, **D2),
        # Y: no valid NIK, only in the first period
        dict(periode=P1, idartbdt="A2", idbdt="H1", nik=None, nik_format_ok=False, nama="BUDI", umur=40, **D1),
        # a NIK shared by two IDARTBDT in one period: each is its own person
        dict(periode=P2, idartbdt="A3", idbdt="H2", nik=NS, nik_format_ok=True, nama="ANI", umur=10, **D2),
        dict(periode=P2, idartbdt="A4", idbdt="H2", nik=NS, nik_format_ok=True, nama="ANA", umur=12, **D2),
    ])
    rt = frame(spark, RT, [
        dict(periode=P1, idbdt="H1", nama_krt="BUDI", desil=1, desil_scheme="dtks4", n_anggota=2, n_kk_anggota=1,
             n_lansia=0, n_disabilitas=1, lantai_label="Tanah", ada_tv=True, jumlah_keluarga=1, jumlah_art=2, **D1),
        dict(periode=P1, idbdt="H2", nama_krt="LAMA", desil=4, desil_scheme="dtks4", **D2),
        dict(periode=P2, idbdt="H2", nama_krt="SITI AMINAH", nama_krt_mask="SI*** AM***", nik_krt=NX, desil=3,
             desil_scheme="dtks4", n_anggota=3, n_kk_anggota=2, n_lansia=1, n_disabilitas=0, jumlah_kambing=2, **D2),
    ])
    lp = frame(spark, LINK, [
        dict(record_id="k1", program="PKH", idartbdt="A1b", idbdt="H2", periode=P2, match_method="nik_latest"),
        dict(record_id="k2", program="BPNT", idartbdt="A1", idbdt="H1", periode=P1, match_method="nik_history"),
        dict(record_id="k3", program="BST", idartbdt="A2", idbdt="H1", periode=P1, match_method="probabilistic"),
        dict(record_id="k5", program="PKH", idartbdt="A1b", idbdt="H2", periode=P2, match_method="nik_latest"),
        dict(record_id="k4", program="KPE", match_method="nik_name_conflict"),
    ])
    return GoldContext.of(spark, periods=[P1, P2], individu=ind, rumah_tangga=rt, link_penerima=lp)


def test_registered_in_terbatas_with_masks_and_search_indexes():
    mine = [m for m in MARTS.values() if getattr(m.fn, "__module__", None) == m3.__name__]
    assert {m.name for m in mine} == {"mart_360_individu", "mart_360_riwayat", "mart_360_rumah_tangga",
                                      "mart_360_anggota"}
    for m in mine:
        assert m.schema == "terbatas" and m.kecamatan_column == "kode_kec" and m.grain and m.description
        assert set(m.pii) <= set(m.columns)
        assert all(v is None or v in m.columns for v in m.pii.values())
    ind = MARTS["mart_360_individu"]
    assert {"nik", "idartbdt"} <= set(ind.indexes) and ind.trigram == ("nama",) and ind.pii["nik"] == "nik_mask"
    assert {"idbdt", "nik_krt"} <= set(MARTS["mart_360_rumah_tangga"].indexes)


def test_360_individu(spark, ctx):
    got = build("mart_360_individu", ctx)
    want = spark.createDataFrame([
        (NX, "A1b", "H2", "2020-10", True, "2019-10", 2, "2019-10, 2020-10",
         "Oktober 2019: KKS | Oktober 2020: KIS/PBI, PKH", True, True, None, None, True,
         "BPNT, PKH", 2, 3, "SITI AMINAH", 3, "Desil 3-4", "3503020"),
        ("ART:A2", "A2", "H1", "2019-10", False, "2019-10", 1, "2019-10", "Oktober 2019: -", False, False, None,
         None, None, "BST", 1, 1, "BUDI", 1, "Desil 1-2", "3503010"),
        ("ART:A3", "A3", "H2", "2020-10", True, "2020-10", 1, "2020-10", "Oktober 2020: -", False, False, None,
         None, None, None, 0, 0, "SITI AMINAH", 3, "Desil 3-4", "3503020"),
        ("ART:A4", "A4", "H2", "2020-10", True, "2020-10", 1, "2020-10", "Oktober 2020: -", False, False, None,
         None, None, None, 0, 0, "SITI AMINAH", 3, "Desil 3-4", "3503020"),
    ], "person_key string, idartbdt string, idbdt string, periode_terakhir string, di_dtks_terbaru boolean, "
       "periode_pertama string, jumlah_periode_dtks long, periode_terdaftar string, riwayat_program_dtks string, "
       "pernah_kks boolean, pernah_pbi boolean, ada_kks boolean, ada_kip boolean, ada_pkh boolean, "
       "program_kpm string, jumlah_program_kpm long, jumlah_record_kpm long, nama_krt string, desil int, "
       "desil_band string, kode_kec string")
    # latest-row flags stay as in silver (null = unknown); "pernah_*" are never null
    assert_df_equality(got.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)
    assert got.where("person_key = 'ART:A2'").first().no_kk_mask is None


def test_360_riwayat(spark, ctx):
    got = build("mart_360_riwayat", ctx)
    want = spark.createDataFrame([
        (NX, "A1", "2019-10", 1, "KKS", 1, "Desil 1-2"),
        (NX, "A1b", "2020-10", 2, "KIS/PBI, PKH", 3, "Desil 3-4"),
        ("ART:A2", "A2", "2019-10", 1, "-", 1, "Desil 1-2"),
        ("ART:A3", "A3", "2020-10", 2, "-", 3, "Desil 3-4"),
        ("ART:A4", "A4", "2020-10", 2, "-", 3, "Desil 3-4"),
    ], "person_key string, idartbdt string, periode string, urutan_periode int, program_dtks string, desil int, "
       "desil_band string")
    assert_df_equality(got.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)


def test_360_rumah_tangga(spark, ctx):
    got = build("mart_360_rumah_tangga", ctx)
    want = spark.createDataFrame([
        ("H1", "2019-10", False, 1, "BUDI", 1, 2, 0, 1, 1, 0, 1, "Desil 1-2", "KKS", "BPNT, BST", 2, 2, "Tanah", True,
         None, 1, "3503010"),
        ("H2", "2020-10", True, 2, "SITI AMINAH", 2, 3, 1, 0, 0, 1, 3, "Desil 3-4", "KIS/PBI, PKH", "PKH", 1, 1, None,
         None, 2, None, "3503020"),
    ], "idbdt string, periode_terakhir string, di_dtks_terbaru boolean, jumlah_periode_dtks long, nama_krt string, "
       "jumlah_keluarga long, jumlah_anggota long, jumlah_lansia long, jumlah_disabilitas long, "
       "jumlah_anggota_kks long, jumlah_anggota_pkh long, desil int, desil_band string, program_dtks string, "
       "program_kpm string, jumlah_program_kpm long, jumlah_anggota_kpm long, lantai_label string, ada_tv boolean, "
       "jumlah_kambing int, jumlah_keluarga_tercatat int, kode_kec string")
    assert_df_equality(got.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)
    assert got.where("idbdt = 'H2'").first().nik_krt_mask == NX[:10] + "******"


def test_360_anggota(spark, ctx):
    got = build("mart_360_anggota", ctx)
    want = spark.createDataFrame([
        ("H1", "2019-10", "A1", "KKS", "BPNT", 1, None),
        ("H1", "2019-10", "A2", "-", "BST", 1, False),
        ("H2", "2020-10", "A1b", "KIS/PBI, PKH", "PKH", 1, True),
        ("H2", "2020-10", "A3", "-", None, 0, False),
        ("H2", "2020-10", "A4", "-", None, 0, False),
    ], "idbdt string, periode string, idartbdt string, program_dtks string, program_kpm string, "
       "jumlah_program_kpm long, is_lansia boolean")
    assert_df_equality(got.select(*want.columns), want, ignore_row_order=True, ignore_nullable=True)
