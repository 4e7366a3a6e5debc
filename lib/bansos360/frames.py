"""Small DataFrame helpers shared by silver and gold, chosen for how Spark runs them on few cores.

The pattern here: decide on a *narrow* projection (a few key columns), then apply the decision to
the wide rows with a broadcast join. A window or a shuffle over wide rows (``silver.individu`` has
~60 columns) is what dominated the gold build; a broadcast semi join leaves the wide rows where
they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def latest_rows(df: DataFrame, key: str, period: str = "periode", tiebreak: Sequence[str] = ("_row_number",)) -> DataFrame:
    """One row per ``key``: its row of the latest ``period``; rows of that period are ordered by
    ``tiebreak`` (ascending, nulls first) and the first is kept, so the choice is deterministic when
    ``tiebreak`` ends with a column unique within a period (``_row_number``: the row in its file).

    Same result as ``row_number() over (partition by key order by period desc, *tiebreak)`` = 1,
    without sorting or shuffling the wide rows. A null ``key`` is one key, as in a window.
    Tiebreak columns ``df`` lacks are skipped (small test frames have no ``_row_number``); rows
    still tied on every remaining column are all kept.
    """
    tiebreak = [c for c in tiebreak if c in df.columns]
    cols = [key, period, *tiebreak]
    narrow = df.select(*cols)
    last = narrow.groupBy(F.col(key).alias("_l_key")).agg(F.max(period).alias("_l_period"))
    chosen = (narrow.join(last, F.col(key).eqNullSafe(F.col("_l_key")) & (F.col(period) == F.col("_l_period")))
              .drop("_l_key", "_l_period")
              .groupBy(key, period).agg(F.min(F.struct(*tiebreak) if tiebreak else F.lit(None)).alias("_c"))
              .select(*[F.col(c).alias(f"_k_{c}") for c in (key, period)],
                      *[F.col(f"_c.{c}").alias(f"_k_{c}") for c in tiebreak]))
    cond = reduce(lambda a, b: a & b, [F.col(c).eqNullSafe(F.col(f"_k_{c}")) for c in cols])
    return df.join(F.broadcast(chosen), cond, "left_semi")
