"""Data-quality rules of the silver build (``conf/quality.yaml``), evaluated before each write.

Rules are data: a rule names a table, a check (``unique``, ``condition``, ``share``) and a
threshold. ``check_batch`` evaluates every rule of a table on the frame about to be written, in
one aggregation pass for row conditions (plus one grouped pass per uniqueness or share rule), and
returns result rows for ``silver._quality``; a failing blocking rule raises ``QualityError``
before anything is written, so the previous silver version stays in place.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import pyarrow as pa
from pydantic import Field, model_validator
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from bansos360.config import Strict, default_conf_dir, load_yaml_model
from bansos360.errors import BansosError


class QualityError(BansosError):
    """A blocking data-quality rule failed; the build stopped before writing."""


class Rule(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    table: str
    description: str
    check: Literal["unique", "condition", "share"]
    columns: list[str] = []
    condition: str | None = None
    group_by: str | None = None
    min_share: float | None = Field(None, ge=0, le=1)
    max_failed: int | None = Field(None, ge=0)
    max_failed_share: float | None = Field(None, ge=0, le=1)
    blocking: bool = False

    @model_validator(mode="after")
    def _shape(self):
        if self.check == "unique" and not self.columns:
            raise ValueError(f"rule {self.name}: a unique check needs columns")
        if self.check in ("condition", "share") and not self.condition:
            raise ValueError(f"rule {self.name}: a {self.check} check needs a condition")
        if self.check == "share" and (self.min_share is None or not self.group_by):
            raise ValueError(f"rule {self.name}: a share check needs min_share and group_by")
        return self


class QualityRules(Strict):
    rules: list[Rule]

    def for_table(self, table: str) -> list[Rule]:
        """The rules of one silver table."""
        return [r for r in self.rules if r.table == table]


def load_rules(conf_dir: Path | None = None) -> QualityRules:
    """``conf/quality.yaml``, validated."""
    return load_yaml_model(Path(conf_dir or default_conf_dir()) / "quality.yaml", QualityRules)


RESULT_SCHEMA = pa.schema([
    ("run_id", pa.string()), ("table", pa.string()), ("batch", pa.string()), ("rule", pa.string()),
    ("description", pa.string()), ("check", pa.string()), ("rows_checked", pa.int64()), ("rows_failed", pa.int64()),
    ("failed_share", pa.float64()), ("threshold", pa.string()), ("passed", pa.bool_()), ("blocking", pa.bool_()),
    ("detail", pa.string()), ("checked_at", pa.timestamp("us", tz="UTC")),
])


def _threshold(rule: Rule) -> str:
    if rule.check == "share":
        return f"min_share={rule.min_share}"
    if rule.max_failed_share is not None:
        return f"max_failed_share={rule.max_failed_share}"
    return f"max_failed={rule.max_failed or 0}"


def check_batch(df: DataFrame, table: str, batch: str, rules: list[Rule], run_id: str) -> list[dict]:
    """Evaluate ``rules`` on ``df`` (one batch of ``table``); raise QualityError on a failing blocking rule."""
    now = dt.datetime.now(dt.UTC)
    conds = [r for r in rules if r.check == "condition"]
    aggs = [F.count(F.lit(1)).alias("__n")] + [
        F.sum(F.when(F.expr(r.condition), 0).otherwise(1)).alias(r.name) for r in conds]
    first = df.agg(*aggs).first()
    n = first["__n"]
    results = []
    for r in rules:
        detail = ""
        if r.check == "condition":
            failed = int(first[r.name] or 0)
        elif r.check == "unique":
            dups = df.groupBy(*r.columns).count().where("count > 1")
            failed = int(dups.agg(F.sum(F.col("count") - 1)).first()[0] or 0)  # rows beyond the first per key
        else:
            shares = (df.groupBy(r.group_by).agg(F.avg(F.when(F.expr(r.condition), 1.0).otherwise(0.0)).alias("s"),
                                                  F.count(F.lit(1)).alias("n")).collect())
            low = [(row[r.group_by], row["s"], row["n"]) for row in shares if row["s"] < r.min_share]
            failed = int(sum(row[2] for row in low))
            detail = "; ".join(f"{g}: {s:.1%} of {c:,}" for g, s, c in low)
        share = failed / n if n else 0.0
        if r.check == "share":
            passed = failed == 0
        elif r.max_failed_share is not None:
            passed = share <= r.max_failed_share
        else:
            passed = failed <= (r.max_failed or 0)
        results.append({"run_id": run_id, "table": f"silver.{table}", "batch": batch, "rule": r.name,
                        "description": r.description, "check": r.check, "rows_checked": n, "rows_failed": failed,
                        "failed_share": share, "threshold": _threshold(r), "passed": passed,
                        "blocking": r.blocking, "detail": detail, "checked_at": now})
    blocking = [x for x in results if not x["passed"] and x["blocking"]]
    if blocking:
        lines = [f"{x['rule']} ({x['description']}): {x['rows_failed']:,} of {x['rows_checked']:,} rows fail, "
                 f"threshold {x['threshold']}" for x in blocking]
        raise QualityError(f"silver.{table} batch {batch}: blocking quality rule failed, nothing written:\n  "
                           + "\n  ".join(lines))
    return results


def results_table(results: list[dict]) -> pa.Table:
    """Result rows as an Arrow table with the ``silver._quality`` schema."""
    return pa.Table.from_pylist(results, RESULT_SCHEMA)
