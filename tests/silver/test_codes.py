"""Code lists (conf/codes.yaml) and the decode expressions of bansos360.silver.codes."""

import pytest
from chispa import assert_column_equality, assert_df_equality
from pyspark.sql import types as T

from bansos360.config import Config
from bansos360.errors import ConfigError
from bansos360.silver.codes import (
    CodeListError,
    code_valid,
    decode,
    load_codes,
    with_decoded,
    yes_no,
)

S = T.StringType()
B = T.BooleanType()


@pytest.fixture(scope="module")
def codes():
    return load_codes()


# --------------------------------------------------------------------------- the YAML itself (no Spark)
def test_lists_are_keyed_by_bronze_dtks_columns(codes):
    tables = Config().sources.tables
    bronze = set(tables["dtks_art"].columns) | set(tables["dtks_rt"].columns)
    assert set(codes.names()) <= bronze, set(codes.names()) - bronze
    expected = {
        "jnskel", "hub_krt", "hubkel", "sta_kawin", "jenis_cacat", "penyakit_kronis", "partisipasi_sekolah",
        "pendidikan_tertinggi", "ijazah_tertinggi", "sta_bekerja", "lapangan_usaha", "status_pekerjaan",
        "sta_keberadaan_art", "ada_kks", "ada_pbi", "ada_kip", "ada_pkh", "ada_bpnt", "sta_bangunan", "sta_lahan",
        "lantai", "dinding", "kondisi_dinding", "atap", "kondisi_atap", "sumber_airminum", "cara_peroleh_airminum",
        "sumber_penerangan", "daya", "bb_masak", "fasbab", "kloset", "buang_tinja", "aset_tak_bergerak",
        "rumah_lain", "sta_art_usaha", "sta_keberadaan_rt", "sta_kks", "sta_kip", "sta_kis", "sta_bpjs_mandiri",
        "sta_jamsostek", "sta_asuransi", "sta_pkh", "sta_rastra", "sta_kur",
    }
    assets = {c for c in bronze if c.startswith("ada_") and c in tables["dtks_rt"].columns}
    assert expected | assets <= set(codes.names()), (expected | assets) - set(codes.names())


def test_two_column_flags_accept_both_codings(codes):
    # raw-formats §3: {1,3} -> Ya, {2,4} -> Tidak for every asset item and wide-layout flag
    for name in ("ada_tabung_gas", "ada_lemari_es", "ada_kapal", "rumah_lain", "sta_kks", "sta_rastra"):
        cl = codes[name]
        assert cl.yes_no and cl.yes_codes() == {"1", "3"} and cl.no_codes() == {"2", "4"}, name
    assert codes["ada_kks"].yes_codes() == {"1"}  # ART program flags: 1/2 only
    # text seen in label-valued distributions (raw-formats §7)
    assert codes["sta_kks"].key_to_code()["ya+"] == "1"
    assert codes["ada_lemari_es"].key_to_code()["ya"] == "3"   # alias wins over the label's smallest code
    assert codes["hub_krt"].key_to_code()["kepala keluarga"] == "1"
    assert codes["sta_keberadaan_art"].key_to_code()["tinggal di ruta"] == "1"


def test_unknown_list_is_a_named_error(codes):
    with pytest.raises(CodeListError, match="no code list 'nope'"):
        codes["nope"]
    with pytest.raises(CodeListError, match="no code list"):
        with_decoded(["nope"], codes)


@pytest.mark.parametrize(
    ("body", "key", "message"),
    [
        ('lists:\n  jnskel:\n    label: Jenis kelamin\n    codes: {1: Laki-laki}\n',
         "lists.jnskel.codes", "must be a quoted string"),
        ('lists:\n  jnskel:\n    label: Jenis kelamin\n    codes: {"01": Laki-laki}\n',
         "lists.jnskel.codes", "without leading zeros"),
        ('lists:\n  jnskel:\n    label: Jenis kelamin\n    codes: {"1": "  "}\n',
         "lists.jnskel.codes", "empty label"),
        ('lists:\n  jnskel:\n    label: ""\n    codes: {"1": Laki-laki}\n',
         "lists.jnskel.label", "at least 1 character"),
        ('lists:\n  ada_kks:\n    label: KKS\n    codes: {"1": Ya, "2": Tidak}\n    aliases: {Ya+: "3"}\n',
         "lists.ada_kks", "not in `codes`"),
        ('lists:\n  ada_kks:\n    label: KKS\n    yes_no: true\n    codes: {"1": Punya, "2": Tidak}\n',
         "lists.ada_kks", "labelled 'Ya'"),
        ('lists:\n  ada_kks:\n    label: KKS\n    codes: {"1": Ya}\n    colour: red\n',
         "lists.ada_kks.colour", "Extra inputs are not permitted"),
    ],
)
def test_yaml_errors_name_file_and_key(tmp_path, body, key, message):
    (tmp_path / "codes.yaml").write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_codes(tmp_path)
    text = str(err.value)
    assert f"{tmp_path / 'codes.yaml'}: {key}" in text, text
    assert message in text, text


# --------------------------------------------------------------------------- Spark expressions
def test_decode_and_code_valid(spark, codes):
    schema = T.StructType([T.StructField("raw", S), T.StructField("label", S), T.StructField("valid", B)])
    rows = [
        ("1", "Kepala rumah tangga", True),
        ("01", "Kepala rumah tangga", True),        # leading zero
        (" 003 ", "Anak", True),                    # spaces and zeros
        ("1.0", "Kepala rumah tangga", True),       # number cell of Excel
        ("'2", "Istri/suami", True),                # Excel apostrophe
        ("Kepala keluarga", "Kepala rumah tangga", True),   # alias
        ("ORANG TUA/MERTUA", "Orang tua/mertua", True),     # the label itself, any case
        ("9", None, False),                         # unknown code
        ("1.5", None, False),
        ("Ya", None, False),                        # text of another list
        ("", None, None),                           # blank is "no value", not "invalid"
        (None, None, None),
    ]
    hub = codes["hub_krt"]
    df = (spark.createDataFrame(rows, schema)
          .withColumn("got_label", decode("raw", hub))
          .withColumn("got_valid", code_valid("raw", hub)))
    assert_column_equality(df, "got_label", "label")
    assert_column_equality(df, "got_valid", "valid")


def test_yes_no_two_column_coding(spark, codes):
    schema = T.StructType([T.StructField("raw", S), T.StructField("tv", B), T.StructField("kks", B)])
    rows = [
        ("1", True, True),
        ("2", False, False),
        ("3", True, None),       # 3/4 column: ada_kks only knows 1/2
        ("04", False, None),
        ("Ya+", True, True),
        ("tidak", False, False),
        ("5", None, None),
        (None, None, None),
    ]
    df = (spark.createDataFrame(rows, schema)
          .withColumn("got_tv", yes_no("raw", codes["ada_tv"]))
          .withColumn("got_kks", yes_no("raw", codes["ada_kks"])))
    assert_column_equality(df, "got_tv", "tv")
    assert_column_equality(df, "got_kks", "kks")
    with pytest.raises(CodeListError, match="not a yes_no list"):
        yes_no("raw", codes["jnskel"])


def test_with_decoded(spark, codes):
    in_schema = T.StructType([T.StructField(c, S) for c in ("jnskel", "sta_hamil", "hubkrt_label")])
    df = spark.createDataFrame([("1", "1", "KEPALA RUMAH TANGGA"), ("P", "0", "Cucu"), ("7", None, None)], in_schema)
    out = df.transform(with_decoded({"jnskel": "jnskel", "sta_hamil": "sta_hamil", "hubkrt_label": "hub_krt"}, codes))
    expected_schema = T.StructType(
        list(in_schema.fields)
        + [T.StructField("jnskel_label", S), T.StructField("sta_hamil_label", S), T.StructField("sta_hamil_ya", B),
           T.StructField("hubkrt_label_label", S)]
    )
    expected = spark.createDataFrame(
        [
            ("1", "1", "KEPALA RUMAH TANGGA", "Laki-laki", "Ya", True, "Kepala rumah tangga"),
            ("P", "0", "Cucu", "Perempuan", "Tidak berlaku", None, "Cucu"),
            ("7", None, None, None, None, None, None),
        ],
        expected_schema,
    )
    assert_df_equality(out, expected, ignore_nullable=True)
    with pytest.raises(CodeListError, match="missing"):
        df.transform(with_decoded(["sta_kawin"], codes))
