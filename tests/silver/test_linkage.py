"""Record linkage (bansos360.silver.linkage): tiny frames for the rules, one scored run at scale 0.01.

The scored run lands the generated files in memory (the bronze reader without its Delta writes),
builds silver.individu and the KPM/disability records with the silver functions and calls
``score_frames`` — what ``score_generated`` runs after reading the lakehouse tables.
"""

import datetime as dt
from pathlib import Path

import pytest
import yaml
from chispa import assert_df_equality
from pyspark.sql import functions as F
from pyspark.sql import types as T

from bansos360.config import Config
from bansos360.errors import ConfigError
from bansos360.silver import identity as idn
from bansos360.silver import linkage as lk

LATEST = "2020-10"
DESA_A, DESA_B = "3503010001", "3503020005"

RECORD_SCHEMA = T.StructType([
    T.StructField("record_id", T.StringType(), False),
    T.StructField("program", T.StringType(), True),
    T.StructField("nik", T.StringType(), True),
    T.StructField("nik_raw", T.StringType(), True),
    T.StructField("nik_reason", T.StringType(), True),
    T.StructField("nik_format_ok", T.BooleanType(), True),
    T.StructField("no_kk", T.StringType(), True),
    T.StructField("nama", T.StringType(), True),
    T.StructField("tanggal_lahir", T.DateType(), True),
    T.StructField("jenis_kelamin", T.StringType(), True),
    T.StructField("kode_bps", T.StringType(), True),
    T.StructField("_source_file", T.StringType(), True),
    T.StructField("_sheet", T.StringType(), True),
    T.StructField("_row_number", T.IntegerType(), True),
])
INDIVIDU_SCHEMA = T.StructType([
    T.StructField("periode", T.StringType(), False),
    T.StructField("idartbdt", T.StringType(), False),
    T.StructField("idbdt", T.StringType(), True),
    T.StructField("nik", T.StringType(), True),
    T.StructField("nik_format_ok", T.BooleanType(), True),
    T.StructField("no_kk", T.StringType(), True),
    T.StructField("nama", T.StringType(), True),
    T.StructField("jenis_kelamin", T.StringType(), True),
    T.StructField("tanggal_lahir", T.DateType(), True),
    T.StructField("kode_bps", T.StringType(), True),
])


def d(text):
    return dt.date.fromisoformat(text) if text else None


def records_df(spark, rows):
    """rows: dicts with record_id, nik/nik_raw/nik_reason, nama, tgl, sex, kk, desa (others defaulted)."""
    out = []
    for i, r in enumerate(rows):
        nik = r.get("nik")
        reason = r.get("nik_reason", "ok" if nik else "empty")
        out.append((r["record_id"], r.get("program", "PKH"), nik if reason == "ok" else None, r.get("nik_raw", nik),
                    reason, reason == "ok", r.get("kk"), r["nama"], d(r.get("tgl")), r.get("sex"),
                    r.get("desa", DESA_A), "PKH.xlsx", "Sheet1", i + 2))
    df = spark.createDataFrame(out, RECORD_SCHEMA)
    return df.withColumns({"nama_norm": idn.normalize_name(F.col("nama")), "name_key": idn.name_key(F.col("nama"))})


def individu_df(spark, rows):
    """rows: (periode, idartbdt, nik, nama, tgl, sex, kk, desa)."""
    out = [(p, art, art[:-2], nik, nik is not None, kk, nama, sex, d(tgl), desa)
           for p, art, nik, nama, tgl, sex, kk, desa in rows]
    return spark.createDataFrame(out, INDIVIDU_SCHEMA).withColumn("nama_norm", idn.normalize_name(F.col("nama")))


def config(**prob):
    base = lk.load_linkage_config()
    return base.model_copy(update={"probabilistic": base.probabilistic.model_copy(update=prob)})


def by_id(df):
    return {r["record_id"]: r.asDict() for r in df.collect()}


# --------------------------------------------------------------------------- config and building blocks
def test_shipped_config_loads_and_bad_keys_name_file_and_key(tmp_path):
    cfg = lk.load_linkage_config()
    assert cfg.latest_period is None and cfg.probabilistic.backend in ("spark", "duckdb")
    raw = yaml.safe_load((Path(Config().conf_dir) / "linkage.yaml").read_text())
    raw["probabilistic"]["blocking_rules"].append(["tanggal"])
    raw["nik"]["name_similarity_min"] = 1.5
    (tmp_path / "linkage.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as err:
        lk.load_linkage_config(tmp_path)
    text = str(err.value)
    assert "linkage.yaml: nik.name_similarity_min" in text and "probabilistic.blocking_rules" in text
    assert "tanggal" in text


def test_name_similarity_tolerates_typos_order_and_titles_not_other_names(spark):
    pairs = [("SURATI", "SURAIT"), ("WAHYUDI AKHMAD", "AKHMAD WAHYUDI"), ("H. AHMAD", "AHMAD"),
             ("SITI AMINAH", "SITI AMINAH"), ("SUKESI", "BUDI SANTOSO"), ("PAINEM", "WAGINEM"), (None, "X")]
    df = spark.createDataFrame(pairs, "a string, b string").select(
        lk.name_similarity(idn.normalize_name(F.col("a")), idn.normalize_name(F.col("b"))).alias("s"))
    s = [r["s"] for r in df.collect()]
    assert s[0] >= 0.8 and s[1] == 1.0 and s[2] == 1.0 and s[3] == 1.0
    assert s[4] < 0.5 and s[5] < 0.75 and s[6] is None


def test_usable_digits_of_broken_niks(spark):
    rows = [("3503121507850003", "3503121507850003", "ok"), (None, "3503121507850000", "float_lost_digits"),
            (None, "3.50312E+15", "float_lost_digits"), (None, "350312150785003", "too_short"),
            (None, "35031215078500031", "too_long"), (None, "0000000000000000", "placeholder"), (None, "12", "too_short")]
    df = spark.createDataFrame(rows, "v string, raw string, reason string")
    got = [r[0] for r in df.select(lk.usable_id_digits(F.col("v"), F.col("raw"), F.col("reason"))).collect()]
    assert got == ["3503121507850003", "350312150785000", None, "350312150785003", "35031215078500031", None, None]


# --------------------------------------------------------------------------- exact NIK stage
@pytest.fixture(scope="module")
def small_dtks(spark):
    return individu_df(spark, [
        # a person in both periods (same IDARTBDT)
        ("2019-07", "35030100010000000101", "3503014107800001", "SITI AMINAH", "1980-07-01", "2", "3503010101100001", DESA_A),
        (LATEST, "35030100010000000101", "3503014107800001", "SITI AMINAH", "1980-07-01", "2", "3503010101100001", DESA_A),
        # left DTKS after 2019-07
        ("2019-07", "35030100010000000201", "3503010505750002", "SUPARNO", "1975-05-05", "1", "3503010101100002", DESA_A),
        # moved household: new IDARTBDT in the latest period
        ("2019-07", "35030100010000000301", "3503020202900003", "AGUS SALIM", "1990-02-02", "1", "3503010101100003", DESA_A),
        (LATEST, "35030200050000000902", "3503020202900003", "AGUS SALIM", "1990-02-02", "1", "3503020101100009", DESA_B),
        (LATEST, "35030100010000000401", "3503015303650004", "SUKESI", "1965-03-13", "2", "3503010101100004", DESA_A),
    ])


def test_exact_nik_latest_history_and_moved_household(spark, small_dtks):
    recs = records_df(spark, [
        {"record_id": "r1", "nik": "3503014107800001", "nama": "Hj. Siti Aminah", "tgl": "1980-07-01"},
        {"record_id": "r2", "nik": "3503010505750002", "nama": "SUPARNO"},
        {"record_id": "r3", "nik": "3503020202900003", "nama": "SALIM AGUS"},
        {"record_id": "r4", "nik": "3503019999990009", "nama": "NOBODY HERE"},
    ])
    links = lk.link_to_dtks(recs, small_dtks, config(enabled=False))
    got = by_id(links)
    assert got["r1"]["match_method"] == "nik_latest" and got["r1"]["periode"] == LATEST and got["r1"]["in_latest"]
    assert got["r1"]["idartbdt"] == "35030100010000000101" and got["r1"]["match_probability"] == 1.0
    assert got["r2"]["match_method"] == "nik_history" and got["r2"]["periode"] == "2019-07"
    assert got["r2"]["in_latest"] is False and got["r2"]["idbdt"] == "350301000100000002"
    assert got["r3"]["match_method"] == "nik_latest" and got["r3"]["idartbdt"] == "35030200050000000902"
    assert got["r3"]["name_similarity"] == 1.0  # swapped words
    assert got["r4"]["match_method"] == "none" and got["r4"]["idartbdt"] is None
    assert got["r4"]["match_probability"] is None
    # one row per record, lineage passed through, the documented columns in order
    assert links.count() == 4 and links.columns == [
        "record_id", "program", "_source_file", "_sheet", "_row_number", "idartbdt", "idbdt", "periode", "in_latest",
        "match_method", "match_probability", "name_similarity", "nik_conflict_idartbdt"]


def test_name_or_birth_date_conflict_is_not_linked(spark, small_dtks):
    recs = records_df(spark, [
        {"record_id": "typo", "nik": "3503014107800001", "nama": "SITI AMIANH", "tgl": "1980-07-01"},
        {"record_id": "other_name", "nik": "3503014107800001", "nama": "BUDI SANTOSO"},
        {"record_id": "other_date", "nik": "3503015303650004", "nama": "SUKESI", "tgl": "1988-11-20"},
        {"record_id": "swapped_date", "nik": "3503014107800001", "nama": "SITI AMINAH", "tgl": "1980-01-07"},
    ])
    got = by_id(lk.link_to_dtks(recs, small_dtks, config(enabled=False)))
    assert got["typo"]["match_method"] == "nik_latest"
    for rid, holder in (("other_name", "35030100010000000101"), ("other_date", "35030100010000000401")):
        assert got[rid]["match_method"] == "nik_name_conflict"
        assert got[rid]["idartbdt"] is None and got[rid]["match_probability"] is None
        assert got[rid]["nik_conflict_idartbdt"] == holder
    assert got["other_name"]["name_similarity"] < 0.7
    assert got["swapped_date"]["match_method"] == "nik_latest"


# --------------------------------------------------------------------------- probabilistic stage
FIRST = ["SITI", "SRI", "AGUS", "BUDI", "DWI", "EKO", "NUR", "TRI", "ANDI", "RINA"]
LAST = ["AMINAH", "WAHYUNI", "SANTOSO", "PRASETYO", "LESTARI", "HIDAYAT", "SUSANTI", "SAPUTRA", "RAHAYU", "KURNIAWAN"]


@pytest.fixture(scope="module")
def village(spark):
    """40 DTKS persons in two desa, each with its own name, birth date, NIK and KK."""
    rows = []
    for i in range(40):
        desa = DESA_A if i % 2 else DESA_B
        born = dt.date(1950, 1, 1) + dt.timedelta(days=397 * i)
        sex = "2" if i % 3 else "1"
        day = born.day + (40 if sex == "2" else 0)
        nik = f"3503{desa[4:6]}{day:02d}{born.month:02d}{born.year % 100:02d}{i + 1:04d}"
        rows.append((LATEST, f"3503{desa[4:]}{i:08d}01", nik, f"{FIRST[i % 10]} {LAST[(i // 10 + i) % 10]}",
                     born.isoformat(), sex, f"3503{desa[4:6]}0101{i:06d}", desa))
    return rows, individu_df(spark, rows)


@pytest.mark.parametrize("backend", ["duckdb", "spark"])
def test_invalid_nik_resolved_probabilistically(spark, village, backend):
    rows, dtks = village
    _, art7, nik7, name7, tgl7, sex7, kk7, desa7 = rows[7]
    _, art12, nik12, name12, tgl12, sex12, kk12, desa12 = rows[12]
    recs = records_df(spark, [
        # Excel float: 16th digit lost; typo in the name
        {"record_id": "float", "nik_raw": nik7[:15] + "0", "nik_reason": "float_lost_digits",
         "nama": name7.replace("A", "AA", 1) if "A" in name7 else name7 + "H", "tgl": tgl7, "sex": sex7, "desa": desa7},
        # no NIK at all, but name, birth date, KK and desa agree
        {"record_id": "no_nik", "nik_reason": "empty", "nik_raw": None, "nama": name12, "tgl": tgl12, "kk": kk12,
         "desa": desa12, "sex": sex12},
        # an outsider: valid NIK not in DTKS, a DTKS name but another birth date and KK
        {"record_id": "outsider", "nik": "3503011212120077", "nama": name12, "tgl": "2001-12-12",
         "kk": "3503011111110001", "desa": desa12},
        # placeholder NIK, name only shared with nobody
        {"record_id": "unknown", "nik_reason": "placeholder", "nik_raw": "0000000000000000", "nama": "ZAINAL ARIFIN",
         "desa": DESA_A},
    ])
    stats = {}
    links = lk.link_to_dtks(recs, dtks, config(backend=backend), stats=stats)
    got = by_id(links)
    assert stats["unresolved_records"] == 4 and stats["trained"] is False  # too few records: shipped parameters
    assert got["float"]["match_method"] == "probabilistic" and got["float"]["idartbdt"] == art7
    assert got["no_nik"]["match_method"] == "probabilistic" and got["no_nik"]["idartbdt"] == art12
    assert got["float"]["match_probability"] >= 0.95 and got["no_nik"]["periode"] == LATEST
    assert 0.5 < got["float"]["name_similarity"] < 1.0
    assert got["outsider"]["match_method"] == "none" and got["unknown"]["match_method"] == "none"


# --------------------------------------------------------------------------- NIK ganda
def test_nik_ganda_flags_different_persons_not_the_same_person_twice(spark):
    recs = records_df(spark, [
        {"record_id": "pkh", "program": "PKH", "nik": "3503014107800001", "nama": "SITI AMINAH", "tgl": "1980-07-01"},
        {"record_id": "bpnt", "program": "BPNT", "nik": "3503014107800001", "nama": "SITI AMINAH"},
        {"record_id": "kpe", "program": "KPE", "nik": "3503014107800001", "nama": "BUDI SANTOSO", "tgl": "1970-01-02"},
        {"record_id": "y1", "nik": "3503010101700002", "nama": "SUKESI", "tgl": "1970-01-01"},
        {"record_id": "y2", "nik": "3503010101700002", "nama": "SUKESI", "tgl": "1970-01-07"},  # one digit: typo
        {"record_id": "z1", "nik": "3503010101700003", "nama": "PAINEM", "tgl": "1950-06-30"},
        {"record_id": "z2", "nik": "3503010101700003", "nama": "PAINEM", "tgl": "1983-11-17"},
        {"record_id": "alone", "nik": "3503010101700004", "nama": "DWI"},
        {"record_id": "bad", "nik_reason": "too_short", "nik_raw": "350301", "nama": "X"},
    ])
    got = lk.nik_ganda(recs).select("nik", "record_id", "program", "n_records", "n_conflicting", "reason")
    expected = spark.createDataFrame([
        ("3503010101700003", "z1", "PKH", 2, 1, "tanggal_lahir_berbeda"),
        ("3503010101700003", "z2", "PKH", 2, 1, "tanggal_lahir_berbeda"),
        ("3503014107800001", "bpnt", "BPNT", 3, 1, "nama_berbeda"),
        ("3503014107800001", "kpe", "KPE", 3, 2, "nama_berbeda+tanggal_lahir_berbeda"),
        ("3503014107800001", "pkh", "PKH", 3, 1, "nama_berbeda+tanggal_lahir_berbeda"),
    ], got.schema)
    assert_df_equality(got, expected, ignore_nullable=True)


# --------------------------------------------------------------------------- evaluation
def test_evaluate_arithmetic_on_a_hand_made_example(spark):
    link_schema = ("record_id string, idartbdt string, periode string, match_method string, program string, "
                   "_source_file string, _sheet string, _row_number int")
    links = spark.createDataFrame([
        ("a", "A-2020", "2020-10", "nik_latest", "PKH", "PKH.xlsx", "Sheet1", 2),      # right
        ("b", "B-2019", "2019-07", "nik_history", "PKH", "PKH.xlsx", "Sheet1", 3),     # right (old IDARTBDT of B)
        ("c", "A-2020", "2020-10", "probabilistic", "PKH", "PKH.xlsx", "Sheet1", 4),   # wrong person
        ("d", "D-2020", "2020-10", "probabilistic", "BST", "BST.xlsx", "BNBA", 5),     # outsider linked: wrong
        ("e", None, None, "none", "BST", "BST.xlsx", "BNBA", 6),                       # missed
        ("f", None, None, "none", "BST", "BST.xlsx", "BNBA", 7),                       # outsider, rightly none
        ("g", None, None, "nik_name_conflict", "BST", "BST.xlsx", "BNBA", 8),          # missed
    ], link_schema)
    truth = spark.createDataFrame([
        ("kpm/PKH.xlsx", "Sheet1", 2, "pA"), ("kpm/PKH.xlsx", "Sheet1", 3, "pB"), ("kpm/PKH.xlsx", "Sheet1", 4, "pC"),
        ("kpm/BST.xlsx", "BNBA", 5, None), ("kpm/BST.xlsx", "BNBA", 6, "pE"), ("kpm/BST.xlsx", "BNBA", 7, None),
        ("kpm/BST.xlsx", "BNBA", 8, "pG"),
    ], "file string, sheet string, row_number long, person_id string")
    pp = spark.createDataFrame([
        ("pA", "2020-10", "A-2020"), ("pB", "2019-07", "B-2019"), ("pB", "2020-10", "B-2020"),
        ("pC", "2020-10", "C-2020"), ("pE", "2020-10", "E-2020"), ("pG", "2020-10", "G-2020"),
    ], "person_id string, period string, idartbdt string")
    res = lk.evaluate(links, truth, pp)
    o = res["overall"]
    assert (o["records"], o["links"], o["tp"], o["fp"], o["fn"], o["in_dtks"]) == (7, 4, 2, 2, 3, 5)
    assert o["precision"] == 0.5 and o["recall"] == 0.4 and o["f1"] == pytest.approx(2 * 0.5 * 0.4 / 0.9, abs=1e-6)
    pr = res["by_method"]["probabilistic"]
    assert (pr["links"], pr["tp"], pr["in_dtks"], pr["precision"], pr["recall"]) == (2, 0, 1, 0.0, 0.0)
    assert res["by_method"]["nik_latest"]["precision"] == 1.0 and res["by_method"]["nik_history"]["recall"] == 1.0
    assert res["by_method"]["none"]["in_dtks"] == 1 and res["by_method"]["none"]["precision"] is None
    assert res["by_method"]["nik_name_conflict"]["fn"] == 1
    assert res["by_source"]["PKH"]["precision"] == pytest.approx(2 / 3, abs=1e-6)
    assert res["records_without_truth"] == 0


# --------------------------------------------------------------------------- scale 0.01 against the truth
def _landed(loader, path, sources, **kw):
    """Bronze rows of one file as a Spark frame, read exactly as bronze reads it, without Delta writes."""
    import datetime as _dt

    from bansos360.bronze import load as bl

    p = loader.prepare(sources, path, **kw)
    frames = []
    for tl in p.loads:
        zip_member = p.specs[tl.source].zip_member
        lineage = {"_run_id": p.run_id, "_source": tl.source, "_source_sha256": p.sha,
                   "_source_file": p.path.name + (f"!{zip_member}" if zip_member else ""),
                   "_period": p.period, "_program": p.program, "_ingested_at": _dt.datetime.now(_dt.UTC)}
        frames.append((tl.table, loader.spark.createDataFrame(
            bl._data_arrow(loader.sources.tables[tl.table].columns, tl.extracted, lineage))))
    return frames


@pytest.fixture(scope="module")
def scored(spark, gen_messy):
    from bansos360.bronze.load import BronzeLoader
    from bansos360.silver import codes as cd
    from bansos360.silver import penerima as pn
    from bansos360.silver import wilayah

    raw, _ = gen_messy
    cfg = Config()
    loader = BronzeLoader(spark, cfg, lake=raw / "_unused_lake", reports_dir=raw / "_unused_reports", profile=False)
    tables: dict[str, list] = {}
    for zp in sorted((raw / "dtks").glob("*.zip")):
        period = zp.stem.rsplit("_", 1)[-1]
        for table, df in _landed(loader, zp, ["dtks_art"], period=period):
            tables.setdefault(table, []).append(df)
    for prog in cfg.settings.programs:
        for f in sorted(raw.glob(loader.sources.sources[prog.source].discover)):
            tables.setdefault("kpm", []).extend(df for _, df in _landed(loader, f, [prog.source], program=prog.code))
    for f in sorted((raw / "disabilitas").iterdir()):
        tables.setdefault("disabilitas", []).extend(df for _, df in _landed(loader, f, ["disabilitas"], period=LATEST))

    def union(name):
        out = tables[name][0]
        for df in tables[name][1:]:
            out = out.unionByName(df)
        return out

    codes = cd.load_codes(cfg.conf_dir)
    kec = sorted(r["nik_kec_prefix"] for r in wilayah.ref_kecamatan(spark).select("nik_kec_prefix").collect())
    aliases = wilayah.load_wilayah_aliases(cfg.conf_dir)
    # silver.individu's linkage columns, computed as silver.dtks.individu computes them (all periods
    # at once: the full per-period build with every code decoded costs ~20 s more here)
    individu = (union("dtks_art")
                .withColumn("tanggal_lahir", idn.parse_date(F.col("tgllahir"), F.col("_cell_types").getItem("tgllahir")))
                .withColumn("jenis_kelamin", idn.sex_code(F.col("jnskel")))
                .transform(idn.with_id("nik", "nik")).transform(idn.with_id("nokk", "no_kk"))
                .transform(wilayah.with_wilayah_from_bps("kdkec", "kddesa"))
                .select(F.col("_period").alias("periode"), "idartbdt", "idbdt", "nik", "nik_format_ok", "no_kk", "nama",
                        idn.normalize_name(F.col("nama")).alias("nama_norm"), "jenis_kelamin", "tanggal_lahir",
                        "kode_bps"))
    frames = [individu, pn.penerima_bansos(union("kpm"), "35", kec, aliases),
              pn.disabilitas(union("disabilitas"), "35", kec, aliases, codes)]
    frames = [f.persist() for f in frames]
    lcfg = config(backend="duckdb")
    yield lk.score_frames(*frames, raw, lcfg)
    for f in frames:
        f.unpersist()


@pytest.mark.slow
def test_scale_001_precision_and_recall_against_truth(scored):
    # Measured at scale 0.01, seed 42 (duckdb backend): 1,672 records, 1,525 in DTKS; precision 1.0,
    # recall 0.997 (5 misses: NIK of another person, not linked by design); 17 NIK-ganda records.
    o = scored["overall"]
    assert o["records"] > 1500 and scored["records_without_truth"] == 0
    assert o["precision"] >= 0.99 and o["recall"] >= 0.97
    assert scored["by_method"]["nik_latest"]["precision"] >= 0.99
    assert scored["by_method"]["probabilistic"]["links"] > 30
    assert scored["by_method"]["probabilistic"]["precision"] >= 0.95
    assert scored["stats"]["linkage"]["trained"] is True
    g = scored["nik_ganda"]
    assert g["carriers_flagged"] >= 0.5 * g["carriers_in_truth"] > 0
    assert g["niks_flagged_with_carrier"] >= 0.5 * g["niks_flagged"]


# --------------------------------------------------------------------------- the silver build step
def test_build_links_writes_tables_and_relinks_only_the_changed_program(spark, small_dtks, lake):
    from delta.tables import DeltaTable

    from bansos360 import lakehouse
    from bansos360.silver.build import build_links

    def save(df, table, part=None):
        w = df.write.format("delta").mode("overwrite")
        if part:
            w = w.partitionBy(part).option("replaceWhere", f"{part} = '{df.first()[part]}'")
        w.save(lakehouse.table_path("silver", table, lake))

    save(small_dtks, "individu")
    save(records_df(spark, [{"record_id": "pkh1", "program": "PKH", "nik": "3503014107800001", "nama": "SITI AMINAH"}]),
         "penerima_bansos", "program")
    save(records_df(spark, [{"record_id": "bpnt1", "program": "BPNT", "nik": "3503010505750002", "nama": "SUPARNO"}]),
         "penerima_bansos", "program")
    save(records_df(spark, [{"record_id": "dis1", "nik": "3503015303650004", "nama": "SUKESI"},
                            {"record_id": "dis2", "nik": "3503015303650004", "nama": "BUDI SANTOSO"}])
         .drop("program"), "disabilitas")

    out = build_links(spark, Config(), lake=lake)
    read = lambda t: {r["record_id"]: r.asDict() for r in lakehouse.read_table(spark, "silver", t, lake).collect()}  # noqa: E731
    kpm, dis = read("link_penerima_dtks"), read("link_disabilitas_dtks")
    assert {k: v["match_method"] for k, v in kpm.items()} == {"pkh1": "nik_latest", "bpnt1": "nik_history"}
    assert {k: v["match_method"] for k, v in dis.items()} == {"dis1": "nik_latest", "dis2": "nik_name_conflict"}
    assert "program" not in lakehouse.read_table(spark, "silver", "link_disabilitas_dtks", lake).columns
    assert out["link_penerima_dtks"]["methods"] == {"nik_latest": 1, "nik_history": 1}
    # dis1/dis2: one NIK, clearly different persons -> NIK ganda, labelled as the disability register
    ganda = read("nik_ganda")
    assert set(ganda) == {"dis1", "dis2"} and {g["program"] for g in ganda.values()} == {"DISABILITAS"}

    # the PKH list is corrected: only PKH links are recomputed (replaceWhere), nothing else rewritten
    save(records_df(spark, [{"record_id": "pkh1", "program": "PKH", "nik": "3503014107800001",
                             "nama": "BUDI SANTOSO"}]), "penerima_bansos", "program")
    versions = {t: lakehouse.table_version(spark, "silver", t, lake) for t in ("link_penerima_dtks",
                                                                               "link_disabilitas_dtks")}
    build_links(spark, Config(), lake=lake, programs=["PKH"], dtks_changed=False)
    kpm2 = read("link_penerima_dtks")
    assert kpm2["pkh1"]["match_method"] == "nik_name_conflict" and kpm2["bpnt1"] == kpm["bpnt1"]
    assert lakehouse.table_version(spark, "silver", "link_penerima_dtks", lake) == versions["link_penerima_dtks"] + 1
    assert lakehouse.table_version(spark, "silver", "link_disabilitas_dtks", lake) == versions["link_disabilitas_dtks"]
    last = DeltaTable.forPath(spark, lakehouse.table_path("silver", "link_penerima_dtks", lake)).history(1).first()
    assert "PKH" in last["operationParameters"]["predicate"] and "BPNT" not in last["operationParameters"]["predicate"]
