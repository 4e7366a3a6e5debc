"""The Spark factory builds a session that really writes and reads Delta tables."""

from chispa import assert_df_equality
from pyspark.sql import types as T

from bansos360 import lakehouse
from bansos360.spark import delta_artifacts, ensure_delta_jars


def test_delta_artifacts_match_installed_versions():
    from importlib.metadata import version

    import pyspark

    coords = delta_artifacts()
    mm = ".".join(pyspark.__version__.split(".")[:2])
    assert coords[0] == f"io.delta:delta-spark_{mm}_2.13:{version('delta-spark')}"
    assert coords[1].startswith("io.delta:delta-storage:")


def test_jars_are_cached_files():
    jars = ensure_delta_jars()
    assert len(jars) == 2 and all(j.endswith(".jar") for j in jars)


def test_delta_write_read_history_and_time_travel(spark, lake):
    schema = T.StructType([T.StructField("id", T.LongType()), T.StructField("nama", T.StringType())])
    first = spark.createDataFrame([(1, "SITI"), (2, "BUDI")], schema)
    path = lakehouse.table_path("bronze", "probe", lake)
    first.write.format("delta").save(path)
    spark.createDataFrame([(3, "AMIN")], schema).write.format("delta").mode("append").save(path)

    assert lakehouse.table_version(spark, "bronze", "probe", lake) == 1
    assert_df_equality(lakehouse.read_table(spark, "bronze", "probe", lake, version=0), first, ignore_row_order=True)
    assert lakehouse.read_table(spark, "bronze", "probe", lake).count() == 3
    assert "bronze.probe" in lakehouse.register_tables(spark, lake)
    assert spark.table("bronze.probe").count() == 3
