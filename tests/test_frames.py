"""bansos360.frames: latest_rows equals the window it replaces."""

from chispa import assert_df_equality
from pyspark.sql import Window
from pyspark.sql import functions as F

from bansos360.frames import latest_rows

SCHEMA = "k string, periode string, idartbdt string, _row_number int, v string"
ROWS = [
    ("a", "2019-07", "A1", 1, "old"),
    ("a", "2020-10", "A9", 7, "new, larger id"),
    ("a", "2020-10", "A2", 5, "new, smaller id"),   # wins: latest period, smallest idartbdt
    ("b", "2020-10", "B1", 9, "dup row 9"),
    ("b", "2020-10", "B1", 3, "dup row 3"),         # wins: same idartbdt, smaller file row
    ("c", "2018-05", None, 2, "null id"),           # null tiebreak sorts first
    ("c", "2018-05", "C1", 1, "id"),
    (None, "2019-07", "N1", 4, "null key old"),
    (None, "2020-10", "N2", 8, "null key new"),     # a null key is one key
]


def test_latest_rows_matches_the_window(spark):
    df = spark.createDataFrame(ROWS, SCHEMA)
    got = latest_rows(df, "k", tiebreak=("idartbdt", "_row_number"))
    w = Window.partitionBy("k").orderBy(F.desc("periode"), F.asc("idartbdt"), F.asc("_row_number"))
    want = df.withColumn("_rn", F.row_number().over(w)).where("_rn = 1").drop("_rn")
    assert_df_equality(got, want, ignore_row_order=True)
    assert sorted(r.v for r in got.collect()) == ["dup row 3", "new, smaller id", "null id", "null key new"]


def test_latest_rows_skips_missing_tiebreak_columns(spark):
    df = spark.createDataFrame([("h", "2019-07", "x"), ("h", "2020-10", "y"), ("g", "2018-05", "z")],
                               "k string, periode string, v string")
    got = latest_rows(df, "k")  # no _row_number in this frame
    assert sorted((r.k, r.v) for r in got.collect()) == [("g", "z"), ("h", "y")]
