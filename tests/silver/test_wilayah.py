"""Reference areas and place matching of bansos360.silver.wilayah."""

import re
from collections import Counter

import pytest
from chispa import assert_column_equality, assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from bansos360.errors import ConfigError
from bansos360.silver.wilayah import (
    KecamatanAlias,
    WilayahAliases,
    WilayahError,
    desa_rows,
    is_kabupaten,
    load_wilayah_aliases,
    place_key,
    place_key_text,
    ref_kecamatan,
    ref_wilayah,
    unmatched_report,
    with_wilayah_from_bps,
    with_wilayah_from_names,
)

S = T.StringType()
NAMES = T.StructType([T.StructField("nama_kec", S), T.StructField("nama_desa", S)])
# Codes from lib/bansos360/reference_data/wilayah_trenggalek.csv
SUKOWETAN = "3503070005"          # Karangan (not Durenan)
KARANGTENGAH_PANGGUL = "3503010010"
BESUKI_PANGGUL, BESUKI_MUNJUNGAN = "3503010008", "3503020011"
NGULANKULON = "3503100009"        # Pogalan
KELUTAN = "3503110003"


@pytest.fixture(scope="module")
def aliases():
    return load_wilayah_aliases()


# --------------------------------------------------------------------------- reference
def test_reference_tables(spark):
    ref = ref_wilayah(spark)
    assert ref.columns == ["kode_bps", "kode_kemendagri", "kode_kec_bps", "kd_kec_bps", "kd_desa_bps",
                           "kode_kec_kemendagri", "nik_kec_prefix", "nama_kecamatan", "nama_desa", "jenis",
                           "kec_key", "desa_key"]
    rows = [r.asDict() for r in ref.collect()]  # 157 rows: one action, checks in Python
    assert len(rows) == 157
    assert len({r["nama_kecamatan"] for r in rows}) == 14
    assert sum(r["jenis"] == "kelurahan" for r in rows) == 5
    for r in rows:
        assert re.fullmatch(r"3503\d{6}", r["kode_bps"]) and re.fullmatch(r"35\.03\.\d{2}\.\d{4}", r["kode_kemendagri"])
        assert r["kode_kec_bps"] + r["kd_desa_bps"] == r["kode_bps"] and r["kode_kec_bps"][4:] == r["kd_kec_bps"]
        assert r["kode_kemendagri"].startswith(r["kode_kec_kemendagri"] + ".")
        assert r["nik_kec_prefix"] == "3503" + r["kode_kec_kemendagri"][-2:]
    assert len({(r["kec_key"], r["desa_key"]) for r in rows}) == 157  # names unique within a kecamatan
    assert len({r["desa_key"] for r in rows}) == 147                  # 10 names exist in two kecamatan
    assert [(r["kode_bps"], r["nama_kecamatan"]) for r in rows if r["desa_key"] == "sukowetan"] == [
        (SUKOWETAN, "Karangan")]

    kec = [r.asDict() for r in ref_kecamatan(spark).collect()]
    assert len(kec) == 14
    # per-desa kecamatan codes agree with the kecamatan file, and the desa counts add up
    per_kec = Counter((r["kode_kec_bps"], r["kode_kec_kemendagri"], r["nama_kecamatan"]) for r in rows)
    assert per_kec == {(k["kode_kec_bps"], k["kode_kec_kemendagri"], k["nama_kecamatan"]): k["jumlah_desa_kelurahan"]
                       for k in kec}
    assert {k["nama_kecamatan"]: k["nik_kec_prefix"] for k in kec}["Watulimo"] == "350308"


def test_place_key(spark):
    rows = [
        ("SUKO WETAN", "sukowetan"),
        ("Sukowetan", "sukowetan"),
        ("Ds. Suko-Wetan", "sukowetan"),
        ("DESA SUKO WETAN", "sukowetan"),
        ("ds sukowetan", "sukowetan"),
        ("Kel. Kelutan", "kelutan"),
        ("KELURAHAN KELUTAN", "kelutan"),
        ("Kelutan", "kelutan"),            # "kel" without a dot is part of the name
        ("Kec.Panggul", "panggul"),
        ("KECAMATAN  PANGGUL", "panggul"),
        ("Ngulang'kulon", "ngulangkulon"),
        ("   ", None),
        (None, None),
    ]
    df = spark.createDataFrame(rows, T.StructType([T.StructField("raw", S), T.StructField("key", S)]))
    assert_column_equality(df.withColumn("got", place_key("raw")), "got", "key")
    # the Python twin (used for the lookup tables) agrees with Spark, also on every reference name
    names = [r for r, _ in rows] + [d["nama_desa"] for d in desa_rows()] + [d["nama_kecamatan"] for d in desa_rows()]
    twin = spark.createDataFrame([(n, place_key_text(n)) for n in names], "raw string, key string")
    assert_column_equality(twin.withColumn("got", place_key("raw")), "got", "key")


# --------------------------------------------------------------------------- BPS codes (DTKS)
def test_with_wilayah_from_bps_pads_codes(spark):
    df = spark.createDataFrame(
        [("010", "008"), ("10", "8"), (" 10 ", "8.0"), ("100", "9"), ("0100", "8"), ("1", "1"), ("1000", "8"),
         (None, "008")],
        "kdkec string, kddesa string",
    )
    out = df.transform(with_wilayah_from_bps("kdkec", "kddesa"))
    expected = spark.createDataFrame(
        [
            ("010", "008", BESUKI_PANGGUL, "35.03.01.2001", "Panggul", "Besuki", "bps_code"),
            ("10", "8", BESUKI_PANGGUL, "35.03.01.2001", "Panggul", "Besuki", "bps_code"),
            (" 10 ", "8.0", BESUKI_PANGGUL, "35.03.01.2001", "Panggul", "Besuki", "bps_code"),
            ("100", "9", NGULANKULON, "35.03.12.2005", "Pogalan", "Ngulankulon", "bps_code"),
            ("0100", "8", "3503100008", "35.03.12.2009", "Pogalan", "Ngulanwetan", "bps_code"),
            ("1", "1", None, None, None, None, "unmatched"),       # kecamatan 001 does not exist
            ("1000", "8", None, None, None, None, "unmatched"),    # not a 3-digit code
            (None, "008", None, None, None, None, "unmatched"),
        ],
        "kdkec string, kddesa string, kode_bps string, kode_kemendagri string, nama_kecamatan string, "
        "nama_desa string, wilayah_match string",
    )
    assert_df_equality(out, expected, ignore_nullable=True, ignore_row_order=True)


# --------------------------------------------------------------------------- names (program files)
CASES = [
    # nama_kec, nama_desa (raw), expected kode_bps, expected wilayah_match
    ("KARANGAN", "SUKO WETAN", SUKOWETAN, "normalized"),
    ("DURENAN", "SUKO WETAN", None, "unmatched"),           # Sukowetan is in Karangan: never guessed
    (None, "Suko Wetan", SUKOWETAN, "desa_only"),           # no kecamatan, unique desa name
    ("PANGGUL", "Ds. Karang Tengah", KARANGTENGAH_PANGGUL, "normalized"),
    ("PANGGUL", "BESUKI", BESUKI_PANGGUL, "exact"),
    (" Munjungan ", "Besuki", BESUKI_MUNJUNGAN, "exact"),
    (None, "BESUKI", None, "ambiguous"),                    # Besuki: Panggul and Munjungan
    ("KEC. ENTAH", "Besuki", None, "ambiguous"),            # unknown kecamatan is no better
    ("POGALAN", "NGULANGKULON", NGULANKULON, "alias"),      # conf/wilayah_aliases.yaml
    ("PANGGUL", "KARANGTENGH", KARANGTENGAH_PANGGUL, "fuzzy"),   # one letter missing
    ("PANGGUL", "BESUK", None, "unmatched"),                # too short for fuzzy
    ("PANGGUL", "KARANGTNGH", None, "unmatched"),           # two letters off: not fuzzy
    ("TRENGGALEK", "Kel. Kelutan", KELUTAN, "normalized"),
    ("XYZ", "ASDFGH", None, "unmatched"),
    ("PANGGUL", None, None, "unmatched"),
]


def _cases(spark, cases):
    return spark.createDataFrame([c[:2] for c in cases], NAMES)


def _expected(spark, cases):
    return spark.createDataFrame([c[:2] + c[2:] for c in cases],
                                 "nama_kec string, nama_desa_raw string, kode_bps string, wilayah_match string")


def test_with_wilayah_from_names(spark, aliases):
    out = _cases(spark, CASES).transform(with_wilayah_from_names("nama_kec", "nama_desa", aliases))
    # bronze nama_desa collides with the output column: the raw value is kept as nama_desa_raw
    assert out.columns == ["nama_kec", "nama_desa_raw", "kode_bps", "kode_kemendagri", "nama_kecamatan",
                           "nama_desa", "wilayah_match"]
    got = out.select("nama_kec", "nama_desa_raw", "kode_bps", "wilayah_match")
    assert_df_equality(got, _expected(spark, CASES), ignore_nullable=True, ignore_row_order=True)
    names = out.where(F.col("nama_desa_raw") == "SUKO WETAN").where(F.col("kode_bps").isNotNull())
    assert [tuple(r) for r in names.select("kode_kemendagri", "nama_kecamatan", "nama_desa").collect()] == [
        ("35.03.06.2007", "Karangan", "Sukowetan")]


def test_names_without_aliases_or_fuzzy(spark):
    cases = [
        ("POGALAN", "NGULANGKULON", None, "unmatched"),
        ("PANGGUL", "KARANGTENGH", None, "unmatched"),
        ("PANGGUL", "Karangtengah", KARANGTENGAH_PANGGUL, "exact"),
    ]
    out = _cases(spark, cases).transform(with_wilayah_from_names("nama_kec", "nama_desa", None, fuzzy=False))
    assert_df_equality(out.select("nama_kec", "nama_desa_raw", "kode_bps", "wilayah_match"), _expected(spark, cases),
                       ignore_nullable=True, ignore_row_order=True)


def test_fuzzy_needs_a_unique_candidate_and_kecamatan_aliases(spark):
    kota = WilayahAliases(kecamatan=[KecamatanAlias(kecamatan="Trenggalek", variants=["Kota Trenggalek"])])
    cases = [
        ("SURUH", "SURU", None, "unmatched"),       # distance 1 from both Puru and Suruh (Kec. Suruh)
        ("SURUH", "PURUH", None, "unmatched"),      # likewise
        ("SURUH", "SURUHH", "3503071006", "fuzzy"),
        ("KOTA TRENGGALEK", "SURODAKAN", "3503110007", "alias"),
    ]
    out = _cases(spark, cases).transform(with_wilayah_from_names("nama_kec", "nama_desa", kota, fuzzy_min_length=4))
    assert_df_equality(out.select("nama_kec", "nama_desa_raw", "kode_bps", "wilayah_match"), _expected(spark, cases),
                       ignore_nullable=True, ignore_row_order=True)


def test_unmatched_report(spark, aliases):
    rows = [("XYZ", "ASDFGH")] * 3 + [(None, "BESUKI")] * 2 + [("PANGGUL", "BESUKI"), ("DURENAN", "SUKO WETAN")]
    out = spark.createDataFrame(rows, NAMES).transform(with_wilayah_from_names("nama_kec", "nama_desa", aliases))
    report = unmatched_report(out)
    expected = spark.createDataFrame(
        [("XYZ", "ASDFGH", "unmatched", 3), (None, "BESUKI", "ambiguous", 2), ("DURENAN", "SUKO WETAN", "unmatched", 1)],
        "kecamatan_raw string, desa_raw string, wilayah_match string, jumlah long",
    )
    assert_df_equality(report, expected, ignore_nullable=True)
    with pytest.raises(WilayahError, match="missing"):
        unmatched_report(out, kec_col="kecamatan")


# --------------------------------------------------------------------------- aliases YAML
def test_aliases_file_and_kabupaten(spark, aliases):
    assert [(a.desa, a.kode_bps()) for a in aliases.desa] == [("Ngulankulon", NGULANKULON)]
    df = spark.createDataFrame([("KAB. TRENGGALEK", True), ("Trenggalek", True), ("Kabupaten Trenggalek", True),
                                ("KAB. TULUNGAGUNG", False), (None, None)], "raw string, ok boolean")
    assert_column_equality(df.withColumn("got", is_kabupaten("raw", aliases)), "got", "ok")


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        ("desa:\n  - {kecamatan: Pogalan, desa: Sukowetan, variants: [Sukowtan]}\n", "desa.0",
         "not in kecamatan 'Pogalan'"),
        ("desa:\n  - {kecamatan: Pogalan, desa: Ngulankulon, variants: [NGULAN KULON]}\n", "desa.0",
         "already matches"),
        ("desa:\n  - {kecamatan: Pogalan, desa: Ngulankulon, variants: [Ngulanwetan]}\n", "desa.0",
         "another desa"),
        ("kecamatan:\n  - {kecamatan: Kota, variants: [Kota Trenggalek]}\n", "kecamatan.0", "not in the reference"),
        ("desa:\n  - {kecamatan: Pogalan, desa: Ngulankulon, variants: []}\n", "desa.0.variants",
         "at least 1 item"),
    ],
)
def test_aliases_yaml_errors_name_file_and_key(tmp_path, body, key, message):
    (tmp_path / "wilayah_aliases.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_wilayah_aliases(tmp_path)
    text = str(err.value)
    assert f"{tmp_path / 'wilayah_aliases.yaml'}: {key}" in text, text
    assert message in text, text
