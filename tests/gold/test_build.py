"""Gold build helpers: the row count taken from the Delta commit is only trusted for whole rewrites."""

from bansos360.gold.build import rows_written


def test_rows_written_trusts_only_a_whole_overwrite(spark, tmp_path):
    path = str(tmp_path / "t")
    spark.range(7).write.format("delta").save(path)                       # v0: create (append mode)
    spark.range(5).write.format("delta").mode("overwrite").save(path)     # v1: whole rewrite
    spark.range(3).write.format("delta").mode("append").save(path)        # v2: append
    (spark.range(2).write.format("delta").mode("overwrite")
     .option("replaceWhere", "id < 2").save(path))                        # v3: partial rewrite
    assert rows_written(path, 1) == 5
    assert rows_written(path, 2) is None and rows_written(path, 3) is None
    assert rows_written(path, None) is None and rows_written(path, 99) is None
    assert spark.read.format("delta").load(path).count() == 6             # why v2/v3 must be counted
