"""Identity building blocks of silver: NIK/KK, dates, names, masks, sex codes.

Table-driven: each case is one row holding the input and the expected output, checked with
chispa's ``assert_column_equality`` (one frame, fast) or ``assert_df_equality`` for ``with_*``.
"""

import datetime as dt

import pytest
from chispa import assert_column_equality, assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, DateType, MapType, StringType, StructField, StructType

from bansos360.silver import identity as idn

S = StringType()
KEC_TRENGGALEK = [f"3503{k:02d}" for k in range(1, 15)]


def frame(spark, rows, *fields):
    """A frame with an explicit schema; fields are (name, type) pairs, all nullable."""
    return spark.createDataFrame(rows, StructType([StructField(n, t, True) for n, t in fields]))


# --------------------------------------------------------------------------- normalize_id
ID_CASES = [
    # raw, cell type, expected value, expected reason
    ("3503121507850000", "number", None, "float_lost_digits"),      # Excel float: 16th digit became 0
    ("3503121507850004", "number", None, "float_lost_digits"),      # a number cell is never trusted
    ("3.50306E+15", None, None, "float_lost_digits"),               # scientific text in a CSV
    ("3,50306E+15", None, None, "float_lost_digits"),               # Indonesian decimal comma
    ("'3503121507850004", None, "3503121507850004", "ok"),          # Excel force-text apostrophe
    ("3503.1215.0785.0004", None, "3503121507850004", "ok"),
    ("3503 1215 0785 0004", None, "3503121507850004", "ok"),
    ("35-03-12-150785-0004", None, "3503121507850004", "ok"),
    ("35_03,12150785 0004", None, "3503121507850004", "ok"),
    (" 3503121507850004\u00a0", None, "3503121507850004", "ok"),    # NBSP from copy-paste
    ("3503121507850004", None, "3503121507850004", "ok"),
    ("350312150785004", None, None, "too_short"),                   # 15 digits
    ("35031215078500041", None, None, "too_long"),                  # 17 digits
    ("0000000000000000", None, None, "placeholder"),
    ("5555555555555555", None, None, "placeholder"),
    ("1234567890123456", None, None, "placeholder"),
    ("0", "number", None, "placeholder"),
    ("", None, None, "empty"),
    ("   ", None, None, "empty"),
    ("'", None, None, "empty"),
    ("NULL", None, None, "empty"),
    (None, None, None, "empty"),
    ("35031215O7850004", None, None, "non_digit"),                  # letter O for zero
    ("NIK 3503121507850004", None, None, "non_digit"),
]


def test_normalize_id(spark):
    df = frame(spark, ID_CASES, ("raw", S), ("cell_type", S), ("exp_value", S), ("exp_reason", S))
    out = df.withColumn("res", idn.normalize_id(F.col("raw"), F.col("cell_type"))).select(
        "raw", "exp_value", "exp_reason",
        F.col("res.value").alias("value"), F.col("res.reason").alias("reason"), F.col("res.raw").alias("raw_out"))
    assert_column_equality(out, "reason", "exp_reason")
    assert_column_equality(out, "value", "exp_value")
    assert_column_equality(out, "raw_out", "raw")


def test_normalize_id_without_cell_type_trusts_digits(spark):
    df = frame(spark, [("3503121507850000", "3503121507850000")], ("raw", S), ("expected", S))
    out = df.withColumn("value", idn.normalize_id(F.col("raw"))["value"])
    assert_column_equality(out, "value", "expected")


def test_with_id(spark):
    types = MapType(S, S)
    df = frame(spark, [
        ("3503121507850000", "3503010101010001", {"nik": "number"}),
        ("'3503125507850004", "3502010101010001", {"nokk": "number"}),   # the kk cell type must not leak
        ("350312150785004", None, None),
    ], ("nik", S), ("nokk", S), ("_cell_types", types))
    out = df.transform(idn.with_id("nik", "nik")).transform(idn.with_id("nokk", "no_kk", region_prefixes=["3503"]))
    expected = spark.createDataFrame([
        # nik (replaced in place), nokk, _cell_types, then the added columns
        (None, "3503010101010001", {"nik": "number"}, "3503121507850000", False, "float_lost_digits",
         "3503010101010001", "3503010101010001", True, "ok", True),
        ("3503125507850004", "3502010101010001", {"nokk": "number"}, "'3503125507850004", True, "ok",
         None, "3502010101010001", False, "float_lost_digits", None),
        (None, None, None, "350312150785004", False, "too_short", None, None, False, "empty", None),
    ], StructType([
        StructField("nik", S, True), StructField("nokk", S, True), StructField("_cell_types", types, True),
        StructField("nik_raw", S, True),
        StructField("nik_format_ok", BooleanType(), False), StructField("nik_reason", S, False),
        StructField("no_kk", S, True), StructField("no_kk_raw", S, True),
        StructField("no_kk_format_ok", BooleanType(), False), StructField("no_kk_reason", S, False),
        StructField("no_kk_wilayah_ok", BooleanType(), True),
    ]))
    assert_df_equality(out, expected)


def test_with_id_rejects_missing_columns(spark):
    df = frame(spark, [("3503121507850004",)], ("nik", S))
    with pytest.raises(idn.IdentityInputError, match="_cell_types"):
        df.transform(idn.with_id("nik", "nik"))
    out = df.transform(idn.with_id("nik", "nik", cell_types_col=None))
    assert out.select("nik_reason").first()[0] == "ok"


# --------------------------------------------------------------------------- with_nik_checks
NIK_SCHEMA = [("nik", S), ("tanggal_lahir", DateType()), ("jenis_kelamin", S)]
D = dt.date


def test_with_nik_checks(spark):
    rows = [
        # nik, birth date, sex
        ("3503015507850001", D(1985, 7, 15), "2"),   # woman: day 15 + 40 = 55
        ("3503015507850002", D(1985, 7, 15), "1"),   # same NIK digits for a man: wrong sex
        ("3503011507850003", D(1985, 7, 15), "1"),   # man, day as is
        ("3503011507850004", D(1985, 7, 15), "2"),   # woman without the +40
        ("3503011507860005", D(1985, 7, 15), "1"),   # wrong year
        ("3503015507850006", D(1985, 7, 15), None),  # sex unknown: either form accepted
        ("3502011507850007", D(1985, 7, 15), "1"),   # Tulungagung prefix
        ("3503201507850008", D(1985, 7, 15), "1"),   # kecamatan 20 does not exist in Trenggalek
        ("3503013102850009", D(1985, 2, 28), "1"),   # 31 February: no date from the NIK
        ("3503019907850010", D(1985, 7, 15), "1"),   # day 99: neither sex
        ("3503010101100011", None, "1"),             # no birth date; yy 10 -> 2010
        ("3503014101300012", D(1930, 1, 1), "2"),    # yy 30 > 25 -> 1930
        (None, D(1985, 7, 15), "1"),
        ("350301150785001", D(1985, 7, 15), "1"),    # not 16 digits: treated as null
    ]
    df = frame(spark, rows, *NIK_SCHEMA)
    out = df.transform(idn.with_nik_checks("nik", "tanggal_lahir", "jenis_kelamin", kec_codes=KEC_TRENGGALEK,
                                           current_year=2025))
    exp = [
        # wilayah_ok, lahir_ok, sex_from_nik, birth_date_from_nik
        (True, True, "2", D(1985, 7, 15)),
        (True, False, "2", D(1985, 7, 15)),
        (True, True, "1", D(1985, 7, 15)),
        (True, False, "1", D(1985, 7, 15)),
        (True, False, "1", D(1986, 7, 15)),
        (True, True, "2", D(1985, 7, 15)),
        (False, True, "1", D(1985, 7, 15)),
        (False, True, "1", D(1985, 7, 15)),
        (True, False, "1", None),
        (True, False, None, None),
        (True, None, "1", D(2010, 1, 1)),
        (True, True, "2", D(1930, 1, 1)),
        (None, None, None, None),
        (None, None, None, None),
    ]
    expected = frame(spark, [r + e for r, e in zip(rows, exp, strict=True)], *NIK_SCHEMA,
                     ("nik_wilayah_ok", BooleanType()), ("nik_lahir_ok", BooleanType()),
                     ("nik_sex_from_nik", S), ("nik_birth_date_from_nik", DateType()))
    assert_df_equality(out, expected)


def test_nik_wilayah_province_only(spark):
    df = frame(spark, [("3503011507850001", True), ("3502011507850001", True), ("3303011507850001", False)],
               ("nik", S), ("expected", BooleanType()))
    df = df.withColumn("tanggal_lahir", F.lit(None).cast("date")).withColumn("jk", F.lit(None).cast("string"))
    out = df.transform(idn.with_nik_checks("nik", "tanggal_lahir", "jk", prefix="x", current_year=2025))
    assert_column_equality(out, "x_wilayah_ok", "expected")


def test_nik_checks_reject_bad_codes():
    with pytest.raises(idn.IdentityInputError):
        idn.with_nik_checks("nik", "tgl", "jk", kec_codes=["35031"])
    with pytest.raises(idn.IdentityInputError):
        idn.with_nik_checks("nik", "tgl", "jk", prov_code="3")


# --------------------------------------------------------------------------- dates
DATE_CASES = [
    # raw, cell type, expected date, expected status
    ("1985-07-15", None, D(1985, 7, 15), "ok"),
    ("1985-07-15", "date", D(1985, 7, 15), "ok"),
    ("1985-07-15 00:00:00", "datetime", D(1985, 7, 15), "ok"),
    ("1985-7-5", None, D(1985, 7, 5), "ok"),
    ("15/07/1985", None, D(1985, 7, 15), "ok"),
    ("15-07-1985", None, D(1985, 7, 15), "ok"),
    ("15.07.1985", None, D(1985, 7, 15), "ok"),
    ("5/7/1985", None, D(1985, 7, 5), "ok"),
    (" 15/07/1985 ", None, D(1985, 7, 15), "ok"),
    ("31243", None, D(1985, 7, 15), "ok"),               # 1899-12-30 + 31243 days
    ("31243", "number", D(1985, 7, 15), "ok"),
    ("31243.0", None, D(1985, 7, 15), "ok"),
    ("31243.75", "number", D(1985, 7, 15), "ok"),        # a datetime serial: time dropped
    ("31243.75", None, None, "unparseable"),             # as text, a fraction is not a serial
    ("1", None, D(1900, 1, 1), "ok"),
    ("59", None, D(1900, 2, 28), "ok"),
    ("60", None, None, "unparseable"),                   # Excel's fake 1900-02-29
    ("61", None, D(1900, 3, 1), "ok"),
    ("0", None, None, "unparseable"),
    ("70000", None, None, "unparseable"),
    ("55000", None, None, "out_of_range"),               # serial of 2050-07-31
    ("1899-12-31", None, None, "out_of_range"),
    ("2031-01-01", None, None, "out_of_range"),
    ("2030-12-31", None, D(2030, 12, 31), "ok"),
    ("NULL", None, None, "empty"),
    ("null", None, None, "empty"),
    ("-", None, None, "empty"),
    ("", None, None, "empty"),
    (None, None, None, "empty"),
    ("garbage", None, None, "unparseable"),
    ("31/02/1985", None, None, "unparseable"),
    ("1985-13-01", None, None, "unparseable"),
    ("15/07-1985", None, None, "unparseable"),           # mixed separators
    ("15/07/85", None, None, "unparseable"),             # two-digit year
]


def test_parse_date(spark):
    df = frame(spark, DATE_CASES, ("raw", S), ("cell_type", S), ("expected", DateType()), ("exp_status", S))
    parsed = idn.parse_date(F.col("raw"), F.col("cell_type"))
    out = df.select("*", parsed.alias("parsed"),
                    idn.date_parse_status(F.col("raw"), parsed, F.col("cell_type")).alias("status"))
    assert_column_equality(out, "parsed", "expected")
    assert_column_equality(out, "status", "exp_status")


def test_parse_date_bounds_are_parameters(spark):
    df = frame(spark, [("1950-01-01", None), ("2000-01-01", D(2000, 1, 1))], ("raw", S), ("expected", DateType()))
    out = df.withColumn("parsed", idn.parse_date(F.col("raw"), min_date=D(1960, 1, 1), max_date=D(2024, 12, 31)))
    assert_column_equality(out, "parsed", "expected")


# --------------------------------------------------------------------------- names
NAME_CASES = [
    ("ALM. AHMAD SUPARDI", "AHMAD SUPARDI"),
    ("Almarhumah Siti Rahayu", "SITI RAHAYU"),
    ("hj. siti ma'rufah", "SITI MARUFAH"),
    ("MA'RUF", "MARUF"),
    ("H.AHMAD", "AHMAD"),                       # dotted title glued to the name
    ("Drs. H. Bambang, S.Pd.", "BAMBANG"),
    ("IR BAMBANG SE", "BAMBANG"),
    ("BPK SUGENG", "SUGENG"),
    ("Ny. Suminah", "SUMINAH"),
    ("Sdri. Lestari Amd", "LESTARI"),
    ("HARIYANTO", "HARIYANTO"),                 # starts like a title, is not one
    ("SEPTIAN HIDAYAT", "SEPTIAN HIDAYAT"),
    ("  mbah   KARTO  ", "MBAH KARTO"),
    ("SITI-AMINAH", "SITI AMINAH"),
    ("M.ALI", "M ALI"),
    ("IBU", None),
    ("", None),
    (None, None),
]


def test_normalize_name(spark):
    df = frame(spark, NAME_CASES, ("raw", S), ("expected", S))
    out = df.withColumn("name", idn.normalize_name(F.col("raw")))
    assert_column_equality(out, "name", "expected")


def test_name_key_matches_swapped_order(spark):
    df = frame(spark, [
        ("WAHYUDI AKHMAD", "AKHMAD WAHYUDI"),
        ("Akhmad Wahyudi", "AKHMAD WAHYUDI"),
        ("H. Akhmad  Wahyudi", "AKHMAD WAHYUDI"),
        ("SUMINAH", "SUMINAH"),
        ("ZAINAL ABIDIN MUHAMMAD", "ABIDIN MUHAMMAD ZAINAL"),
        ("ALM.", None),
        (None, None),
    ], ("raw", S), ("expected", S))
    out = df.withColumn("key", idn.name_key(F.col("raw")))
    assert_column_equality(out, "key", "expected")


# --------------------------------------------------------------------------- masks
def test_mask_nik(spark):
    df = frame(spark, [
        ("3506120007123456", "3506120007******"),
        ("350612000712345", "3506120********"),    # 15 characters: keep 7
        ("12345678", "1234****"),
        ("", ""),
        (None, None),
    ], ("nik", S), ("expected", S))
    out = df.withColumn("masked", idn.mask_nik(F.col("nik")))
    assert_column_equality(out, "masked", "expected")


def test_mask_name(spark):
    df = frame(spark, [
        ("AKHMAD WAHYUDI", "AK*** WA***"),
        ("A BAKAR", "A*** BA***"),
        (" SITI  NUR ", "SI*** NU***"),
        ("", None),
        (None, None),
    ], ("name", S), ("expected", S))
    out = df.withColumn("masked", idn.mask_name(F.col("name")))
    assert_column_equality(out, "masked", "expected")


# --------------------------------------------------------------------------- sex
def test_sex_code(spark):
    df = frame(spark, [
        ("1", "1"), ("2", "2"), ("L", "1"), ("p", "2"), (" l ", "1"),
        ("LAKI-LAKI", "1"), ("Laki Laki", "1"), ("PRIA", "1"),
        ("Perempuan", "2"), ("WANITA", "2"),
        ("3", None), ("X", None), ("", None), (None, None),
    ], ("raw", S), ("expected", S))
    out = df.withColumn("code", idn.sex_code(F.col("raw")))
    assert_column_equality(out, "code", "expected")
