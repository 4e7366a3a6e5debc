"""Quality rules: counts, thresholds, and a blocking failure that leaves silver as it was."""

import pytest
from pyspark.sql import types as T

from bansos360 import lakehouse
from bansos360.config import Config
from bansos360.errors import ConfigError
from bansos360.silver import quality
from bansos360.silver.build import Run

SCHEMA = T.StructType([T.StructField("idartbdt", T.StringType()), T.StructField("umur", T.IntegerType()),
                       T.StructField("nik_format_ok", T.BooleanType()), T.StructField("_source_file", T.StringType())])
ROWS = [("a", 30, True, "f1"), ("b", 200, True, "f1"), ("b", 40, False, "f2"), ("c", None, False, "f2"),
        ("d", 5, True, "f2")]


def rules(**over):
    base = [quality.Rule(name="uniq", table="t", description="u", check="unique", columns=["idartbdt"],
                         blocking=over.get("block_unique", False)),
            quality.Rule(name="age", table="t", description="a", check="condition",
                         condition="umur IS NULL OR umur BETWEEN 0 AND 120", max_failed_share=0.1),
            quality.Rule(name="nik_share", table="t", description="n", check="share", condition="nik_format_ok",
                         group_by="_source_file", min_share=0.5)]
    return base


def test_counts_and_thresholds(spark):
    df = spark.createDataFrame(ROWS, SCHEMA)
    res = {r["rule"]: r for r in quality.check_batch(df, "t", "2020-10", rules(), "run1")}
    assert res["uniq"]["rows_failed"] == 1 and not res["uniq"]["passed"]
    assert res["age"]["rows_failed"] == 1 and res["age"]["failed_share"] == pytest.approx(0.2) and not res["age"]["passed"]
    # f1: 2/2 valid; f2: 1/3 valid < 50 % -> its 3 rows count as failed
    assert res["nik_share"]["rows_failed"] == 3 and "f2: 33.3% of 3" in res["nik_share"]["detail"]
    assert all(r["rows_checked"] == 5 and r["batch"] == "2020-10" for r in res.values())


def test_blocking_rule_raises_with_rule_and_counts(spark):
    df = spark.createDataFrame(ROWS, SCHEMA)
    with pytest.raises(quality.QualityError, match=r"uniq \(u\): 1 of 5 rows fail"):
        quality.check_batch(df, "t", "2020-10", rules(block_unique=True), "run1")


def test_rules_file_is_validated(tmp_path):
    (tmp_path / "quality.yaml").write_text("rules:\n  - {name: x, table: t, description: d, check: share, condition: c}\n")
    with pytest.raises(ConfigError, match="quality.yaml"):
        quality.load_rules(tmp_path)
    assert quality.load_rules(Config().conf_dir).for_table("individu")


def test_blocking_failure_keeps_previous_silver_and_records_the_counts(spark, lake):
    good = spark.createDataFrame([("a", 30, True, "f"), ("b", 40, True, "f")], SCHEMA)
    run = Run(Config())
    run.rules = quality.QualityRules(rules=[r.model_copy(update={"table": "individu"})
                                            for r in rules(block_unique=True)])
    run.write(good, "individu", "2020-10", None, None, lake)
    v = lakehouse.table_version(spark, "silver", "individu", lake)
    bad = spark.createDataFrame([("a", 30, True, "f"), ("a", 31, True, "f")], SCHEMA)
    with pytest.raises(quality.QualityError):
        run.write(bad, "individu", "2020-10", None, None, lake)
    assert lakehouse.table_version(spark, "silver", "individu", lake) == v
    assert lakehouse.read_table(spark, "silver", "individu", lake).count() == 2
    q = lakehouse.read_table(spark, "silver", "_quality", lake).where("rule = 'uniq'").orderBy("rows_failed").collect()
    assert [(r["rows_failed"], r["passed"]) for r in q] == [(0, True), (1, False)]
