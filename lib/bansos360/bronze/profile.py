"""EDA profile of one load, the analysts' by-hand step automated.

Per column: rows, missing (count and %), distinct, duplicates (non-missing values minus distinct),
top values; for columns whose values are mostly numbers also min/max/mean/median/std,
percentiles (5, 25, 75, 95) and IQR outliers (outside Q1 - 1.5 IQR .. Q3 + 1.5 IQR).

Computed with Spark in three aggregations over the landed rows: one for counts and moments,
one for outliers (it needs the quartiles), one grouped (column, value) pass for distinct,
duplicates and top values. Percentiles use Spark's ``percentile_approx`` with accuracy 10 000,
which is the exact inverted-CDF percentile on files of up to ~10 k rows and within 1/10 000 of
the rank beyond.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

NUMERIC_SHARE = 0.9  # a column is profiled as numeric when >= 90 % of its values parse as numbers
PERCENTILES = [0.05, 0.25, 0.5, 0.75, 0.95]
TOP_N = 5


def _num(col: str):
    return F.expr(f"try_cast(trim(`{col}`) AS DOUBLE)")


def profile_columns(df: DataFrame, columns: list[str]) -> list[dict]:
    """One dict per column with the statistics described in the module docstring."""
    if not columns:
        return []
    aggs = [F.count(F.lit(1)).alias("__rows")]
    for i, c in enumerate(columns):
        n = _num(c)
        aggs += [
            F.count(F.col(f"`{c}`")).alias(f"nn{i}"),
            F.count(n).alias(f"num{i}"),
            F.min(n).alias(f"min{i}"), F.max(n).alias(f"max{i}"),
            F.avg(n).alias(f"mean{i}"), F.stddev_samp(n).alias(f"std{i}"),
            F.percentile_approx(n, PERCENTILES, 10000).alias(f"pct{i}"),
        ]
    first = df.agg(*aggs).first()
    rows = first["__rows"]
    stats = []
    for i, c in enumerate(columns):
        nn, num = first[f"nn{i}"], first[f"num{i}"]
        entry = {"column": c, "rows": rows, "missing": rows - nn,
                 "missing_pct": round(100.0 * (rows - nn) / rows, 3) if rows else 0.0,
                 "numeric": bool(nn) and num >= NUMERIC_SHARE * nn}
        if entry["numeric"]:
            pct = first[f"pct{i}"] or [None] * len(PERCENTILES)
            entry.update(min=first[f"min{i}"], max=first[f"max{i}"], mean=first[f"mean{i}"], std=first[f"std{i}"],
                         p05=pct[0], p25=pct[1], median=pct[2], p75=pct[3], p95=pct[4])
        stats.append(entry)

    numeric = [s for s in stats if s["numeric"] and s["p25"] is not None]
    if numeric:
        out_aggs = []
        for s in numeric:
            iqr = s["p75"] - s["p25"]
            lo, hi = s["p25"] - 1.5 * iqr, s["p75"] + 1.5 * iqr
            n = _num(s["column"])
            out_aggs.append(F.sum(F.when((n < lo) | (n > hi), 1).otherwise(0)).alias(s["column"]))
        outliers = df.agg(*out_aggs).first().asDict()
        for s in numeric:
            s["iqr_outliers"] = int(outliers[s["column"]] or 0)

    # (column, value) pairs: exact distinct counts and top values in one grouped pass.
    pairs = df.select(F.explode(F.array(*[
        F.struct(F.lit(c).alias("c"), F.col(f"`{c}`").cast("string").alias("v")) for c in columns
    ])).alias("p")).select("p.c", "p.v").where(F.col("v").isNotNull())
    counts = pairs.groupBy("c", "v").count()
    from pyspark.sql.window import Window

    w = Window.partitionBy("c").orderBy(F.desc("count"), F.asc("v"))
    summary = (counts.withColumn("rank", F.row_number().over(w))
               .groupBy("c").agg(F.count(F.lit(1)).alias("distinct"),
                                 F.collect_list(F.when(F.col("rank") <= TOP_N, F.struct("rank", "v", "count"))).alias("top"))
               .collect())
    by_col = {r["c"]: r for r in summary}
    for s in stats:
        r = by_col.get(s["column"])
        s["distinct"] = r["distinct"] if r else 0
        s["duplicates"] = (s["rows"] - s["missing"]) - s["distinct"]
        top = sorted(r["top"], key=lambda t: t["rank"]) if r else []
        s["top_values"] = [{"value": t["v"], "count": t["count"]} for t in top]
    return stats


def render_html(title: str, load: dict, stats: list[dict], quarantine_reasons: dict[str, int]) -> str:
    """A self-contained HTML page an operator can open: load summary, quarantine reasons, column table."""
    esc = html.escape

    def fmt(v):
        if v is None:
            return ""
        if isinstance(v, float):
            return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
        if isinstance(v, int):
            return f"{v:,}"
        return esc(str(v))

    head = "".join(f"<tr><th>{esc(k)}</th><td>{fmt(v)}</td></tr>" for k, v in load.items())
    quar = "".join(f"<tr><td>{esc(k)}</td><td>{v:,}</td></tr>" for k, v in sorted(quarantine_reasons.items())) \
        or "<tr><td colspan=2>tidak ada</td></tr>"
    cols = ["column", "missing", "missing_pct", "distinct", "duplicates", "min", "p05", "p25", "median",
            "p75", "p95", "max", "mean", "std", "iqr_outliers"]
    body = []
    for s in stats:
        top = ", ".join(f"{esc(str(t['value']))} ({t['count']:,})" for t in s.get("top_values", []))
        body.append("<tr>" + "".join(f"<td>{fmt(s.get(c))}</td>" for c in cols) + f"<td>{top}</td></tr>")
    return f"""<!doctype html><html lang="id"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>body{{font-family:sans-serif;margin:1.5em}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:right}}td:first-child,th{{text-align:left}}
tr:nth-child(even){{background:#f6f6f6}}</style></head><body>
<h1>Profil EDA — {esc(title)}</h1>
<h2>Ringkasan muatan</h2><table>{head}</table>
<h2>Baris karantina per alasan</h2><table><tr><th>alasan</th><th>baris</th></tr>{quar}</table>
<h2>Kolom</h2><table><tr>{''.join(f'<th>{c}</th>' for c in cols)}<th>nilai teratas</th></tr>{''.join(body)}</table>
</body></html>"""


def write_report(path: Path, title: str, load: dict, stats: list[dict], quarantine_reasons: dict[str, int]) -> Path:
    """Write the HTML page and a JSON twin next to it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(title, load, stats, quarantine_reasons), encoding="utf-8")
    path.with_suffix(".json").write_text(json.dumps({"load": load, "columns": stats}, default=str, indent=1))
    return path
