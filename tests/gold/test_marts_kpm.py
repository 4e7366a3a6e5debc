"""Gold marts of D1-D5 (bansos360.gold.marts_kpm) on one tiny hand-built world.

Twelve KPM records, seven real persons (P7 is a record without NIK or link):

| rec | program | list desa | NIK          | link                          | person   |
|-----|---------|-----------|--------------|-------------------------------|----------|
| r1  | PKH     | A         | N1           | nik_latest I1 (desil 1)       | P1       |
| r2  | BPNT    | A         | N1 (no KK)   | nik_latest I1                 | P1       |
| r5  | KPE     | A         | N1           | nik_latest I1                 | P1       |
| r3  | PKH     | A         | N2           | nik_latest I2 (desil 3, no PBI)| P2      |
| r6  | BST     | unmatched | Excel float  | probabilistic I3 (desa B, no desil) | P3 (via I3 -> N3) |
| r7  | KPE     | B         | N3           | nik_latest I3                 | P3       |
| r8  | BPNT    | C         | N4           | nik_history I4 (2020-01)      | P4       |
| r9  | PKH     | C         | N5           | none                          | P5       |
| r10 | BPNT    | B         | N6 (SITI)    | none, NIK ganda               | P6a      |
| r11 | BST     | B         | N6 (BUDI)    | nik_name_conflict, NIK ganda  | P6b      |
| r12 | PKH     | unmatched | empty        | (no link row)                 | P7       |

Expected values below are counted by hand from this table. I1 appears twice in the latest
period (silver keeps duplicates): no mart may count its records twice.
"""

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from bansos360.config import Config
from bansos360.errors import ConfigError
from bansos360.gold import marts_kpm as mk
from bansos360.gold.context import NO_DESIL, GoldContext
from bansos360.gold.registry import MARTS

REPO_CONF = Path(__file__).resolve().parents[2] / "conf"
PERIODS = ["2020-01", "2020-10"]
A, B, C = "3503010001", "3503010002", "3503020001"
KEC1, KEC2 = "3503010", "3503020"
N = {i: f"35030141019{i}0001" for i in range(1, 7)}

S, INT, L, BOOL, D = T.StringType(), T.IntegerType(), T.LongType(), T.BooleanType(), T.DateType()


def schema(*fields):
    return T.StructType([T.StructField(n, t, True) for n, t in fields])


REF_SCHEMA = schema(("kode_bps", S), ("kode_kec_bps", S), ("nama_kecamatan", S), ("nama_desa", S))
PENERIMA_SCHEMA = schema(
    ("record_id", S), ("program", S), ("nik", S), ("nik_mask", S), ("nik_format_ok", BOOL), ("nik_reason", S),
    ("no_kk", S), ("no_kk_format_ok", BOOL), ("nama", S), ("nama_norm", S), ("nama_mask", S), ("tanggal_lahir", D),
    ("jenis_kelamin", S), ("alamat", S), ("kode_bps", S), ("wilayah_match", S), ("_source_file", S), ("_sheet", S),
    ("_row_number", INT))
LINK_SCHEMA = schema(("record_id", S), ("idartbdt", S), ("idbdt", S), ("periode", S), ("in_latest", BOOL),
                     ("match_method", S), ("match_probability", T.DoubleType()))
INDIVIDU_SCHEMA = schema(
    ("periode", S), ("idartbdt", S), ("idbdt", S), ("kode_bps", S), ("nama", S), ("tanggal_lahir", D), ("umur", INT),
    ("jenis_kelamin_label", S), ("no_kk", S), ("no_kk_format_ok", BOOL), ("hub_krt_label", S), ("sta_kawin_label", S),
    ("jenis_cacat_label", S), ("is_disabilitas", BOOL), ("penyakit_kronis_label", S), ("is_penyakit_kronis", BOOL),
    ("ijazah_tertinggi_label", S), ("sta_bekerja_label", S), ("lapangan_usaha_label", S),
    ("ada_kks", BOOL), ("ada_pbi", BOOL), ("ada_kip", BOOL), ("ada_pkh", BOOL), ("ada_bpnt", BOOL))
RT_SCHEMA = schema(("periode", S), ("idbdt", S), ("desil", INT), ("desil_scheme", S))
GANDA_SCHEMA = schema(("nik", S), ("record_id", S), ("program", S), ("_source_file", S), ("_sheet", S),
                      ("_row_number", INT), ("nama", S), ("nama_norm", S), ("tanggal_lahir", D), ("kode_bps", S),
                      ("n_records", INT), ("n_conflicting", INT), ("reason", S))


def rid(program, row):
    return f"{program}|{program.lower()}.xlsx|Sheet1|{row}"


R = {1: rid("PKH", 1), 2: rid("BPNT", 2), 3: rid("PKH", 3), 5: rid("KPE", 5), 6: rid("BST", 6), 7: rid("KPE", 7),
     8: rid("BPNT", 8), 9: rid("PKH", 9), 10: rid("BPNT", 10), 11: rid("BST", 11), 12: rid("PKH", 12)}


def penerima_row(r, program, nik, nama, desa, reason="ok", kk="3503010101010001", alamat="RT 01"):
    ok = reason == "ok"
    row = int(R[r].rsplit("|", 1)[1])
    return (R[r], program, nik if ok else None, (nik[:10] + "******") if ok else None, ok, reason,
            kk, kk is not None, nama, nama, " ".join(w[:2] + "***" for w in nama.split()), dt.date(1980, 1, 1), "2", alamat, desa,
            "exact" if desa else "unmatched", f"{program.lower()}.xlsx", "Sheet1", row)


def individu_row(periode, art, bdt, desa, sex, umur, pbi, kk="3503010101010001", cacat="Tidak cacat"):
    return (periode, art, bdt, desa, f"NAMA {art}", dt.date(1990, 5, 5), umur, sex, kk, kk is not None,
            "Kepala rumah tangga", "Kawin", cacat, cacat != "Tidak cacat", "Tidak ada", False, "SD/sederajat",
            "Bekerja", "Pertanian", True, pbi, False, True, True)


@pytest.fixture(scope="module")
def frames(spark):
    ref = spark.createDataFrame([(A, KEC1, "KEC SATU", "DESA A"), (B, KEC1, "KEC SATU", "DESA B"),
                                 (C, KEC2, "KEC DUA", "DESA C")], REF_SCHEMA)
    penerima = spark.createDataFrame([
        penerima_row(1, "PKH", N[1], "SRI WAHYUNI", A),
        penerima_row(2, "BPNT", N[1], "SRI WAHYUNI", A, kk=None),
        penerima_row(3, "PKH", N[2], "AHMAD", A),
        penerima_row(5, "KPE", N[1], "SRI WAHYUNI", A),
        penerima_row(6, "BST", "x", "PAIMAN", None, reason="float_lost_digits", kk=None),
        penerima_row(7, "KPE", N[3], "PAIMAN", B),
        penerima_row(8, "BPNT", N[4], "KASIYEM", C, kk=None),
        penerima_row(9, "PKH", N[5], "SUPARMI", C, kk=None),
        penerima_row(10, "BPNT", N[6], "SITI", B, kk=None),
        penerima_row(11, "BST", N[6], "BUDI", B, kk=None),
        penerima_row(12, "PKH", "x", "TUKIRAN", None, reason="empty", kk=None),
    ], PENERIMA_SCHEMA)
    link = spark.createDataFrame([
        (R[1], "I1", "H1", "2020-10", True, "nik_latest", 1.0),
        (R[2], "I1", "H1", "2020-10", True, "nik_latest", 1.0),
        (R[3], "I2", "H2", "2020-10", True, "nik_latest", 1.0),
        (R[5], "I1", "H1", "2020-10", True, "nik_latest", 1.0),
        (R[6], "I3", "H3", "2020-10", True, "probabilistic", 0.97),
        (R[7], "I3", "H3", "2020-10", True, "nik_latest", 1.0),
        (R[8], "I4", "H4", "2020-01", False, "nik_history", 1.0),
        (R[9], None, None, None, None, "none", None),
        (R[10], None, None, None, None, "none", None),
        (R[11], None, None, None, None, "nik_name_conflict", None),
    ], LINK_SCHEMA)
    individu = spark.createDataFrame([
        individu_row("2020-10", "I1", "H1", A, "Perempuan", 30, True),
        individu_row("2020-10", "I1", "H1", A, "Perempuan", 30, True),  # duplicate IDARTBDT kept by silver
        individu_row("2020-10", "I2", "H2", A, "Laki-laki", 70, False, cacat="Tuna daksa"),
        individu_row("2020-10", "I3", "H3", B, None, None, True, kk=None),
        individu_row("2020-01", "I4", "H4", C, "Perempuan", 50, False),
        individu_row("2020-01", "I1", "H1", A, "Perempuan", 29, True),
    ], INDIVIDU_SCHEMA)
    rt = spark.createDataFrame([("2020-10", "H1", 1, "dtks4"), ("2020-10", "H2", 3, "dtks4"),
                                ("2020-10", "H3", None, "dtks4"), ("2020-01", "H4", 2, "dtks4"),
                                ("2020-01", "H1", 4, "dtks4")], RT_SCHEMA)
    ganda = spark.createDataFrame([
        (N[6], R[10], "BPNT", "bpnt.xlsx", "Sheet1", 10, "SITI", "SITI", dt.date(1980, 1, 1), B, 2, 1,
         "nama_berbeda"),
        (N[6], R[11], "BST", "bst.xlsx", "Sheet1", 11, "BUDI", "BUDI", dt.date(1980, 1, 1), B, 2, 1,
         "nama_berbeda"),
    ], GANDA_SCHEMA)
    return dict(ref_wilayah=ref, penerima=penerima, link_penerima=link, individu=individu, rumah_tangga=rt,
                nik_ganda=ganda)


@pytest.fixture(scope="module")
def ctx(spark, frames):
    return GoldContext.of(spark, periods=PERIODS, **frames)


def conf_copy(tmp_path, settings_edit=None, rules_edit=None) -> Config:
    """A copy of conf/ with settings.yaml and/or program_rules.yaml changed by the given functions."""
    conf = tmp_path / "conf"
    shutil.copytree(REPO_CONF, conf)
    for name, edit in (("settings.yaml", settings_edit), (mk.RULES_FILE, rules_edit)):
        if edit is not None:
            data = yaml.safe_load((conf / name).read_text())
            edit(data)
            (conf / name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return Config(conf)


def by_key(df, *keys):
    """Rows as dicts keyed by the value of ``keys`` (a tuple when several)."""
    def key(r):
        return tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]
    return {key(r): r.asDict() for r in df.collect()}


# --------------------------------------------------------------------------- registry metadata
KPM_MARTS = ["mart_kpm_overview", "mart_kpm_profil", "mart_kepemilikan_nik", "mart_nik_ganda", "mart_desil_kpm",
             "mart_multi_program", "mart_multi_program_aturan", "mart_multi_program_detail", "mart_bnba"]


@pytest.mark.parametrize("name", KPM_MARTS)
def test_registry_columns_match_dataframe(ctx, name):
    m = MARTS[name]
    df = m.fn(ctx)
    assert df.columns == list(m.columns)
    assert all(text.strip() for text in m.columns.values())
    assert m.grain and m.description
    for col, masked in m.pii.items():
        assert col in m.columns and (masked is None or masked in m.columns)
    for col in (*m.indexes, *m.trigram, *([m.kecamatan_column] if m.kecamatan_column else [])):
        assert col in m.columns
    if "kode_bps" in df.columns:
        assert {"kode_kec", "nama_kecamatan", "nama_desa"} <= set(df.columns)
        assert m.kecamatan_column == "kode_kec"
    for f in df.schema.fields:
        if f.name.startswith("jumlah_"):
            assert f.dataType == T.LongType(), f.name


def test_restricted_marts_are_terbatas():
    for name in ("mart_nik_ganda", "mart_multi_program_detail", "mart_bnba"):
        assert MARTS[name].schema == "terbatas"
        assert MARTS[name].pii["nik"] == "nik_mask" and MARTS[name].pii["nama"] == "nama_mask"
    assert MARTS["mart_bnba"].pii["no_kk"] == "no_kk_mask" and MARTS["mart_bnba"].pii["alamat"] is None
    assert set(MARTS["mart_bnba"].indexes) >= {"nik", "idartbdt", "idbdt"}
    assert MARTS["mart_bnba"].trigram == ("nama",)


# --------------------------------------------------------------------------- shared record frame
def test_person_key_unifies_broken_nik_and_splits_nik_ganda(ctx):
    keys = {r["record_id"]: (r["person_key"], r["jenis_kunci"], r["status_dtks"], r["kode_bps"])
            for r in mk.kpm_records(ctx).collect()}
    assert len(keys) == 11  # the duplicate DTKS row multiplies nothing
    assert keys[R[6]] == (f"NIK:{N[3]}", "nik", "ditemukan_terbaru", B)   # via I3; desa from DTKS
    assert keys[R[10]][0] == f"NIK:{N[6]}|SITI" and keys[R[11]][0] == f"NIK:{N[6]}|BUDI"
    assert keys[R[8]][2] == "riwayat_saja"
    assert keys[R[11]][2] == "tidak_ditemukan"
    assert keys[R[12]] == (f"REC:{R[12]}", "record", "tidak_ditemukan", None)


# --------------------------------------------------------------------------- D1
OVERVIEW_FIELDS = ("jumlah_kpm", "jumlah_nik_valid", "jumlah_nik_unik", "jumlah_nik_berulang", "jumlah_orang_unik",
                   "jumlah_ditemukan_dtks_terbaru")


def test_kpm_overview(ctx):
    df = mk.mart_kpm_overview(ctx)
    rows = by_key(df, "program", "tingkat", "kode_kec", "kode_bps")
    assert len(rows) == 28
    got = {k: tuple(v[f] for f in OVERVIEW_FIELDS) for k, v in rows.items()}
    assert got[("SEMUA", "desa", KEC1, A)] == (4, 4, 2, 2, 2, 4)
    assert got[("SEMUA", "desa", KEC1, B)] == (4, 3, 2, 1, 3, 2)
    assert got[("SEMUA", "desa", KEC2, C)] == (2, 2, 2, 0, 2, 0)
    assert got[("SEMUA", "desa", None, None)] == (1, 0, 0, 0, 1, 0)
    assert got[("SEMUA", "kecamatan", KEC1, None)] == (8, 7, 4, 3, 5, 6)
    assert got[("SEMUA", "kabupaten", None, None)] == (11, 9, 6, 3, 8, 6)
    assert got[("PKH", "kabupaten", None, None)] == (4, 3, 3, 0, 4, 2)
    assert got[("BST", "desa", KEC1, B)] == (2, 1, 1, 0, 2, 1)
    assert got[("PKH", "kecamatan", None, None)] == (1, 0, 0, 0, 1, 0)  # unknown kecamatan
    names = {k: (v["nama_kecamatan"], v["nama_desa"], v["nama_program"]) for k, v in rows.items()}
    assert names[("SEMUA", "kabupaten", None, None)] == ("Semua kecamatan", "Semua desa", "Semua program")
    assert names[("PKH", "kecamatan", KEC1, None)] == ("KEC SATU", "Semua desa", "Program Keluarga Harapan")
    assert names[("PKH", "desa", None, None)] == ("Tidak diketahui", "Tidak diketahui", "Program Keluarga Harapan")
    # per level, desa rows add up to the kabupaten row for additive counts
    desa_total = sum(v["jumlah_kpm"] for k, v in rows.items() if k[0] == "SEMUA" and k[1] == "desa")
    assert desa_total == rows[("SEMUA", "kabupaten", None, None)]["jumlah_kpm"]


def test_kpm_profil(ctx):
    df = mk.mart_kpm_profil(ctx)
    got = {(r["program"], r["kode_bps"], r["dimensi"], r["kategori"]): (r["urutan"], r["jumlah_kpm"], r["jumlah_orang"])
           for r in df.collect()}
    assert got[("SEMUA", A, "jenis_kelamin", "Perempuan")] == (0, 3, 1)
    assert got[("SEMUA", A, "jenis_kelamin", "Laki-laki")] == (0, 1, 1)
    assert got[("SEMUA", B, "jenis_kelamin", "Tidak diketahui")] == (0, 2, 1)
    assert got[("PKH", A, "jenis_kelamin", "Perempuan")] == (0, 1, 1)
    assert got[("PKH", A, "kelompok_umur", "25-44 tahun")] == (4, 1, 1)
    assert got[("PKH", A, "kelompok_umur", "> 65 tahun (lansia)")] == (7, 1, 1)
    assert got[("BST", B, "kelompok_umur", "Tidak diketahui")] == (8, 1, 1)
    assert got[("SEMUA", A, "desil", "Desil 1-2")] == (1, 3, 1)
    assert got[("PKH", A, "desil", "Desil 3-4")] == (2, 1, 1)
    assert got[("KPE", B, "desil", NO_DESIL)] == (3, 1, 1)
    assert got[("PKH", A, "disabilitas", "Tuna daksa")] == (0, 1, 1)
    # only KPM found in the latest DTKS: nothing from desa C (history only / not found) nor unknown places
    assert {k[1] for k in got} == {A, B}
    dims = {k[2] for k in got}
    assert dims == set(mk.PROFIL_DIMENSI)
    # every dimension counts each found record once
    per_dim = {}
    for (prog, _, dim, _), (_, n, _) in got.items():
        if prog == "SEMUA":
            per_dim[dim] = per_dim.get(dim, 0) + n
    assert set(per_dim.values()) == {6}


# --------------------------------------------------------------------------- D2
D2_EXPECTED = {
    # (program, desa): jumlah_kpm, terbaru, nik_terbaru, prob, riwayat, tidak, konflik, kk_daftar, kk_diketahui,
    #                  nik_valid, nik_tidak_valid, angka_excel, kosong, nik_ganda
    ("PKH", A): (2, 2, 2, 0, 0, 0, 0, 2, 2, 2, 0, 0, 0, 0),
    ("BPNT", A): (1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0),
    ("KPE", A): (1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0),
    ("BST", B): (2, 1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1),
    ("KPE", B): (1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0),
    ("BPNT", B): (1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1),
    ("BPNT", C): (1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0),
    ("PKH", C): (1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0),
    ("PKH", None): (1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0),
}
D2_FIELDS = ("jumlah_kpm", "ditemukan_dtks_terbaru", "ditemukan_nik_dtks_terbaru", "ditemukan_probabilistik",
             "ditemukan_riwayat_saja", "tidak_ditemukan", "nik_milik_orang_lain", "kk_valid_di_daftar", "kk_diketahui",
             "nik_format_valid", "nik_tidak_valid", "nik_angka_excel", "nik_kosong", "nik_ganda")


def test_kepemilikan_nik(ctx):
    rows = by_key(mk.mart_kepemilikan_nik(ctx), "program", "kode_bps")
    assert {k: tuple(v[f] for f in D2_FIELDS) for k, v in rows.items()} == D2_EXPECTED
    for v in rows.values():
        assert v["ditemukan_dtks_terbaru"] + v["ditemukan_riwayat_saja"] + v["tidak_ditemukan"] == v["jumlah_kpm"]
        reasons = sum(v[c] for c in (*mk.NIK_REASON_COLUMNS.values(), "nik_alasan_lain"))
        assert reasons == v["nik_tidak_valid"]
    assert rows[("BST", B)]["kode_kec"] == KEC1 and rows[("BPNT", C)]["nama_desa"] == "DESA C"


def test_nik_ganda_detail(spark, ctx):
    df = mk.mart_nik_ganda(ctx).select("record_id", "nik_mask", "nama_mask", "program", "nama_program", "kode_kec",
                                       "kode_bps", "nama_desa", "baris", "jumlah_record_nik", "alasan_label",
                                       "match_method")
    expected = spark.createDataFrame([
        (R[10], N[6][:10] + "******", "SI***", "BPNT", "BPNT / Program Sembako", KEC1, B, "DESA B", 10, 2,
         "Nama berbeda", "none"),
        (R[11], N[6][:10] + "******", "BU***", "BST", "Bantuan Sosial Tunai", KEC1, B, "DESA B", 11, 2,
         "Nama berbeda", "nik_name_conflict"),
    ], df.schema)
    assert_df_equality(df, expected, ignore_row_order=True, ignore_nullable=True)


# --------------------------------------------------------------------------- D3
DESIL_SCHEMA = schema(("program", S), ("kode_bps", S), ("status_dtks", S), ("kategori", S), ("urutan", INT),
                      ("indikasi_inclusion_error", BOOL), ("jumlah_kpm", L))
D3_COLS = [f.name for f in DESIL_SCHEMA.fields]


def d3_expected(spark, band12, band34, n_bands=2):
    terbaru, riwayat, tidak = "ditemukan_terbaru", "riwayat_saja", "tidak_ditemukan"
    no, hist, nf = n_bands + 1, n_bands + 2, n_bands + 3
    return spark.createDataFrame([
        ("PKH", A, terbaru, band12[0], band12[1], False, 1),
        ("PKH", A, terbaru, band34[0], band34[1], False, 1),
        ("BPNT", A, terbaru, band12[0], band12[1], False, 1),
        ("KPE", A, terbaru, band12[0], band12[1], False, 1),
        ("BST", B, terbaru, NO_DESIL, no, False, 1),
        ("BST", B, tidak, "Tidak ditemukan di DTKS", nf, True, 1),
        ("KPE", B, terbaru, NO_DESIL, no, False, 1),
        ("BPNT", B, tidak, "Tidak ditemukan di DTKS", nf, True, 1),
        ("BPNT", C, riwayat, "Hanya di DTKS periode lama", hist, True, 1),
        ("PKH", C, tidak, "Tidak ditemukan di DTKS", nf, True, 1),
        ("PKH", None, tidak, "Tidak ditemukan di DTKS", nf, True, 1),
    ], DESIL_SCHEMA)


def test_desil_kpm(spark, ctx):
    df = mk.mart_desil_kpm(ctx)
    assert {r["desil_scheme"] for r in df.collect()} == {"dtks4"}
    assert {r["periode_dtks"] for r in df.collect()} == {"2020-10"}
    assert_df_equality(df.select(*D3_COLS), d3_expected(spark, ("Desil 1-2", 1), ("Desil 3-4", 2)),
                       ignore_row_order=True, ignore_nullable=True)


def test_desil_bands_come_from_settings(spark, frames, tmp_path):
    def edit(s):
        s["desil_schemes"]["dtks4"]["bands"] = {"Desil 1": [1], "Desil 2": [2], "Desil 3-4": [3, 4]}
    cfg = conf_copy(tmp_path, settings_edit=edit)
    ctx = GoldContext.of(spark, cfg=cfg, periods=PERIODS, **frames)
    assert_df_equality(mk.mart_desil_kpm(ctx).select(*D3_COLS),
                       d3_expected(spark, ("Desil 1", 1), ("Desil 3-4", 3), n_bands=3),
                       ignore_row_order=True, ignore_nullable=True)
    bnba = by_key(mk.mart_bnba(ctx), "record_id")
    assert bnba[R[8]]["kelompok_desil"] == "Desil 2"  # history row: its own period's desil, banded


# --------------------------------------------------------------------------- D4
def test_multi_program(spark, ctx):
    sch = schema(("kode_bps", S), ("kombinasi_program", S), ("jumlah_program", L), ("jumlah_orang", L),
                 ("jumlah_kpm", L), ("jumlah_orang_di_dtks", L), ("jumlah_orang_melanggar", L))
    expected = spark.createDataFrame([
        (A, "PKH+BPNT+KPE", 3, 1, 3, 1, 1),
        (A, "PKH", 1, 1, 1, 1, 0),
        (B, "BST+KPE", 2, 1, 2, 1, 0),
        (C, "BPNT", 1, 1, 1, 1, 0),
        (C, "PKH", 1, 1, 1, 0, 0),
        (B, "BPNT", 1, 1, 1, 0, 0),
        (B, "BST", 1, 1, 1, 0, 0),
        (None, "PKH", 1, 1, 1, 0, 0),
    ], sch)
    got = mk.mart_multi_program(ctx).select(*[f.name for f in sch.fields])
    assert_df_equality(got, expected, ignore_row_order=True, ignore_nullable=True)


ATURAN_SCHEMA = schema(("kode_bps", S), ("kombinasi_program", S), ("kode_aturan", S), ("pelanggaran", BOOL),
                       ("jumlah_orang", L))


def test_multi_program_aturan(spark, ctx):
    expected = spark.createDataFrame([
        (A, "PKH+BPNT+KPE", "pkh_dan_sembako", False, 1),
        (A, "PKH+BPNT+KPE", "tiga_program_atau_lebih", False, 1),
        (A, "PKH+BPNT+KPE", "pkh_sembako_dan_kpe", True, 1),
        (A, "PKH", "pkh_tanpa_sembako", False, 1),
        (A, "PKH", "pkh_tanpa_kis", False, 1),
        (B, "BST+KPE", "dua_program_di_luar_pkh_sembako", False, 1),
        (C, "PKH", "pkh_tanpa_sembako", False, 1),   # P5 not in DTKS: no KIS flag, so not pkh_tanpa_kis
        (None, "PKH", "pkh_tanpa_sembako", False, 1),
    ], ATURAN_SCHEMA)
    df = mk.mart_multi_program_aturan(ctx)
    assert_df_equality(df.select(*[f.name for f in ATURAN_SCHEMA.fields]), expected, ignore_row_order=True,
                       ignore_nullable=True)
    labels = {r["kode_aturan"]: r["nama_aturan"] for r in df.collect()}
    assert labels["pkh_tanpa_kis"] == "PKH tanpa KIS/PBI"


def test_multi_program_detail(ctx):
    rows = by_key(mk.mart_multi_program_detail(ctx), "nik")
    assert set(rows) == {N[1], N[2], N[3], N[5], None}  # >= 2 programs or a rule met
    p1 = rows[N[1]]
    assert (p1["kombinasi_program"], p1["jumlah_kpm"], p1["kode_bps"], p1["idartbdt"], p1["ada_pbi"]) == \
        ("PKH+BPNT+KPE", 3, A, "I1", True)
    assert p1["kode_aturan"] == "pkh_dan_sembako,tiga_program_atau_lebih,pkh_sembako_dan_kpe"
    assert (p1["ada_pelanggaran"], p1["kode_pelanggaran"]) == (True, "pkh_sembako_dan_kpe")
    assert p1["nik_mask"] == N[1][:10] + "******" and p1["nama_mask"] == "SR*** WA***"
    assert p1["record_ids"] == ";".join(sorted([R[1], R[2], R[5]]))
    assert rows[N[3]]["nama"] == "PAIMAN" and rows[N[3]]["kode_bps"] == B  # first record in program order: BST
    assert rows[N[2]]["kode_aturan"] == "pkh_tanpa_sembako,pkh_tanpa_kis"
    assert rows[None]["jenis_kunci"] == "record" and rows[None]["nama_kecamatan"] == "Tidak diketahui"
    assert len({r["id_orang"] for r in rows.values()}) == 5
    bnba = by_key(mk.mart_bnba(ctx), "record_id")
    assert bnba[R[2]]["person_key_hash"] == p1["id_orang"]


# One case per rule of conf/program_rules.yaml: (programs, ada_pbi) -> expected
RULE_CASES = {
    "pkh_dan_sembako": [(["PKH", "BPNT"], True, True), (["PKH"], True, False), (["BPNT", "KPE"], None, False)],
    "pkh_tanpa_sembako": [(["PKH"], True, True), (["PKH", "BPNT"], True, False), (["BST"], None, False)],
    "pkh_tanpa_kis": [(["PKH"], False, True), (["PKH"], True, False), (["PKH"], None, False),
                      (["BPNT"], False, False)],
    "dua_program_di_luar_pkh_sembako": [(["BST", "KPE"], None, True), (["PKH", "BST", "KPE"], None, True),
                                        (["PKH", "BPNT"], None, False), (["PKH", "KPE"], None, False)],
    "tiga_program_atau_lebih": [(["PKH", "BPNT", "BST"], None, True), (["PKH", "BPNT"], None, False)],
    "pkh_sembako_dan_kpe": [(["PKH", "KPE"], None, True), (["BPNT", "KPE"], True, True), (["KPE"], None, False),
                            (["PKH", "BPNT"], None, False)],
}


def test_every_configured_rule_has_cases():
    rules = mk.load_program_rules(REPO_CONF, Config(REPO_CONF).settings)
    assert set(rules.rules) == set(RULE_CASES)


@pytest.mark.parametrize("code", sorted(RULE_CASES))
def test_rule_condition(spark, code):
    rule = mk.load_program_rules(REPO_CONF, Config(REPO_CONF).settings).rules[code]
    cases = RULE_CASES[code]
    df = spark.createDataFrame([(i, progs, pbi) for i, (progs, pbi, _) in enumerate(cases)],
                               "i int, programs array<string>, ada_pbi boolean")
    flags = {f: (F.col(f) if f == "ada_pbi" else F.lit(None).cast("boolean")) for f in mk.FLAG_COLUMNS}
    got = {r["i"]: r["ok"] for r in df.select("i", mk.rule_condition(rule, F.col("programs"), flags).alias("ok"))
           .collect()}
    assert got == {i: want for i, (_, _, want) in enumerate(cases)}


def test_new_rule_is_yaml_only(spark, frames, tmp_path):
    def edit(r):
        r["rules"]["bst_dan_kpe_di_dtks"] = {"label": "BST dan KPE di DTKS", "has": ["BST", "KPE"],
                                             "has_flags": ["ada_kks"], "breach": True}
    cfg = conf_copy(tmp_path, rules_edit=edit)
    ctx = GoldContext.of(spark, cfg=cfg, periods=PERIODS, **frames)
    rows = by_key(mk.mart_multi_program_aturan(ctx).where(F.col("kode_aturan") == "bst_dan_kpe_di_dtks"),
                  "kode_bps", "kombinasi_program")
    assert list(rows) == [(B, "BST+KPE")] and rows[(B, "BST+KPE")]["pelanggaran"] is True
    multi = by_key(mk.mart_multi_program(ctx), "kode_bps", "kombinasi_program")
    assert multi[(B, "BST+KPE")]["jumlah_orang_melanggar"] == 1


@pytest.mark.parametrize("edit, needle", [
    (lambda r: r["rules"]["pkh_tanpa_kis"].update(has=["PKHX"]), "rules.pkh_tanpa_kis.has: unknown program(s) ['PKHX']"),
    (lambda r: r["rules"]["pkh_tanpa_kis"].update(lacks_flag=["ada_pbi"]), "rules.pkh_tanpa_kis.lacks_flag: Extra"),
    (lambda r: r["rules"]["pkh_tanpa_kis"].update(lacks_flags=["ada_kis"]), "rules.pkh_tanpa_kis.lacks_flags.0"),
    (lambda r: r["rules"].update(leer={"label": "x"}), "rules.leer: Value error, a rule needs at least one condition"),
    (lambda r: r["rules"].update({"Bad-Code": {"label": "x", "has": ["PKH"]}}), "rules.Bad-Code"),
    (lambda r: r["rules"]["pkh_tanpa_sembako"].update(has=["PKH", "BPNT"]), "both in has and lacks"),
    (lambda r: r["rules"]["tiga_program_atau_lebih"].update(count_except=["PKH"], min_programs=None),
     "rules.tiga_program_atau_lebih"),
])
def test_rules_config_errors_name_file_and_key(tmp_path, edit, needle):
    cfg = conf_copy(tmp_path, rules_edit=edit)
    with pytest.raises(ConfigError) as exc:
        mk.load_program_rules(cfg.conf_dir, cfg.settings)
    msg = str(exc.value)
    assert str(cfg.conf_dir / mk.RULES_FILE) in msg
    assert needle in msg


# --------------------------------------------------------------------------- D5
def test_bnba(spark, ctx):
    df = mk.mart_bnba(ctx)
    rows = by_key(df, "record_id")
    assert len(rows) == 11 and df.count() == 11
    r6 = rows[R[6]]
    assert (r6["kode_bps"], r6["kode_bps_daftar"], r6["kode_bps_dtks"], r6["nama_desa"]) == (B, None, B, "DESA B")
    assert (r6["match_method"], r6["match_probability"], r6["nik"], r6["alasan_nik"]) == \
        ("probabilistic", 0.97, None, "float_lost_digits")
    assert (r6["kelompok_desil"], r6["kategori_desil"], r6["status_dtks_label"]) == \
        (NO_DESIL, NO_DESIL, "Ditemukan di DTKS terbaru")
    r3 = rows[R[3]]
    assert (r3["jenis_kelamin_dtks"], r3["umur_dtks"], r3["disabilitas_dtks"], r3["is_disabilitas"], r3["desil"],
            r3["kelompok_desil"]) == ("Laki-laki", 70, "Tuna daksa", True, 3, "Desil 3-4")
    r8 = rows[R[8]]
    assert (r8["periode_dtks"], r8["periode_dtks_label"], r8["idartbdt"], r8["desil"], r8["kategori_desil"]) == \
        ("2020-01", "Januari 2020", "I4", 2, "Hanya di DTKS periode lama")
    r11 = rows[R[11]]
    assert (r11["idartbdt"], r11["match_method"], r11["nik_ganda"], r11["kelompok_desil"], r11["kategori_desil"]) == \
        (None, "nik_name_conflict", True, None, "Tidak ditemukan di DTKS")
    r1, r2 = rows[R[1]], rows[R[2]]
    assert (r1["no_kk"], r1["no_kk_mask"], r1["nama_mask"]) == ("3503010101010001", "3503010101******", "SR*** WA***")
    assert (r2["no_kk"], r2["no_kk_mask"]) == (None, None)
    assert (r1["sumber_file"], r1["sheet"], r1["baris"], r1["nama_program"]) == \
        ("pkh.xlsx", "Sheet1", 1, "Program Keluarga Harapan")
    assert rows[R[12]]["match_method"] == "none" and rows[R[12]]["kode_kec"] is None
