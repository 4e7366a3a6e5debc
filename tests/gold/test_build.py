"""Gold build helpers: the row count taken from the Delta commit is only trusted for whole rewrites."""

from bansos360.lakehouse import rows_written


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


def test_write_mart_caps_rows_per_file_and_publish_reads_them_with_small_splits(spark, tmp_path, monkeypatch):
    import json
    from pathlib import Path

    from bansos360.gold import build as gb
    from bansos360.gold.registry import Mart
    from bansos360.publish.pg import _to_arrow_bounded

    monkeypatch.setattr(gb, "MAX_RECORDS_PER_FILE", 3)
    m = Mart(name="mart_uji", fn=None, dashboards=("D1",), grain="g", description="d",
             columns={"id": "ID", "teks": "Teks"})
    df = spark.range(10).selectExpr("id", "cast(id as string) as teks").coalesce(1)
    rows, version = gb.write_mart(m, df, lake=tmp_path)
    assert (rows, version) == (10, 0)
    log = (Path(tmp_path) / "gold" / "mart_uji" / "_delta_log" / "00000000000000000000.json").read_text()
    adds = [json.loads(line)["add"] for line in log.splitlines() if '"add"' in line]
    assert len(adds) == 4                                   # 3 + 3 + 3 + 1 rows
    assert max(json.loads(a["stats"])["numRecords"] for a in adds) == 3
    key = "spark.sql.files.maxPartitionBytes"
    before = spark.conf.get(key)
    table = _to_arrow_bounded(spark, spark.read.format("delta").load(str(Path(tmp_path) / "gold" / "mart_uji")))
    assert sorted(table.column("id").to_pylist()) == list(range(10))
    assert spark.conf.get(key) == before                    # the session setting is restored
