"""Early warning: indicators with thresholds (``conf/early_warning.yaml``) checked after each gold build.

An indicator is a Spark SQL query over the gold marts (each registered as a temporary view under
its name, e.g. ``mart_desil_kpm``) returning one row per scope with ``scope_kode``, ``scope_nama``
and ``nilai`` (optionally ``pembilang`` and ``penyebut``). A row breaches when ``nilai`` is above
``max`` (or below ``min``); ``kritis`` sets the level at which a breach is ``kritis`` instead of
``peringatan``. Breaches are appended to ``gold.peringatan`` with the run id, and sent through the
notifiers: the log always; a webhook (JSON POST) and/or e-mail (SMTP) when configured — their
addresses and credentials come from environment variables named in the config, never from the
config itself.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import smtplib
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from bansos360 import lakehouse
from bansos360.config import Config, Strict, load_yaml_model
from bansos360.errors import BansosError
from bansos360.gold import registry

log = logging.getLogger(__name__)

EW_FILE = "early_warning.yaml"


class EarlyWarningError(BansosError):
    """An indicator query failed or returned the wrong shape."""


class Indicator(Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(description="Bahasa Indonesia; shown in the notification and the table")
    scope: Literal["kabupaten", "kecamatan", "desa", "program"]
    query: str = Field(description="Spark SQL over gold marts returning scope_kode, scope_nama, nilai")
    max: float | None = None
    min: float | None = None
    kritis: float | None = Field(None, description="beyond this (same direction) the level is 'kritis'")
    satuan: Literal["persen", "jumlah"] = "jumlah"

    @model_validator(mode="after")
    def _one_bound(self):
        if (self.max is None) == (self.min is None):
            raise ValueError(f"indicator {self.name}: give exactly one of max or min")
        if self.kritis is not None:
            if self.max is not None and self.kritis < self.max:
                raise ValueError(f"indicator {self.name}: kritis must be >= max")
            if self.min is not None and self.kritis > self.min:
                raise ValueError(f"indicator {self.name}: kritis must be <= min")
        return self


class Webhook(Strict):
    url_env: str = Field(description="environment variable holding the URL; unset = no webhook")
    timeout_s: float = Field(10, gt=0)


class Email(Strict):
    to: list[str] = Field(min_length=1)
    sender: str
    smtp_host_env: str = "BANSOS_SMTP_HOST"
    smtp_port: int = 25
    subject: str = "Bansos 360: peringatan dini"


class Notify(Strict):
    webhook: Webhook | None = None
    email: Email | None = None


class EarlyWarningConfig(Strict):
    indicators: list[Indicator]
    notify: Notify = Field(default_factory=Notify)

    @model_validator(mode="after")
    def _unique(self):
        names = [i.name for i in self.indicators]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"indicator names must be unique; repeated: {dup}")
        return self


def load_config(conf_dir: Path | None = None) -> EarlyWarningConfig:
    return load_yaml_model(Path(conf_dir or Config().conf_dir) / EW_FILE, EarlyWarningConfig)


PERINGATAN_COLUMNS = {
    "run_id": "Id proses build gold yang menghasilkan peringatan",
    "diperiksa_pada": "Waktu pemeriksaan (UTC)",
    "indikator": "Kode indikator (conf/early_warning.yaml)",
    "deskripsi": "Uraian indikator",
    "cakupan": "Tingkat cakupan: kabupaten, kecamatan, desa atau program",
    "scope_kode": "Kode wilayah/program yang melewati ambang",
    "scope_nama": "Nama wilayah/program",
    "nilai": "Nilai indikator",
    "pembilang": "Pembilang (jika indikator berupa porsi)",
    "penyebut": "Penyebut (jika indikator berupa porsi)",
    "ambang": "Ambang batas yang dilewati",
    "arah": "maks = nilai di atas ambang, min = nilai di bawah ambang",
    "satuan": "persen atau jumlah",
    "tingkat": "peringatan atau kritis",
}
registry.register_table(
    "peringatan", dashboards=("peringatan_dini",),
    grain="one row per indicator breach per scope per gold build run (append-only history)",
    description="Peringatan dini: indikator yang melewati ambang batas setelah setiap build gold",
    columns=PERINGATAN_COLUMNS)

_SCHEMA = ("run_id string, diperiksa_pada timestamp, indikator string, deskripsi string, cakupan string, "
           "scope_kode string, scope_nama string, nilai double, pembilang double, penyebut double, ambang double, "
           "arah string, satuan string, tingkat string")


def evaluate(spark, cfg: EarlyWarningConfig, lake=None, run_id: str = "manual") -> list[dict]:
    """Every indicator's breaches (list of dicts with the :data:`PERINGATAN_COLUMNS`)."""
    for name in registry.load_all():
        if lakehouse.table_exists(spark, "gold", name, lake):
            lakehouse.read_table(spark, "gold", name, lake).createOrReplaceTempView(name)
    now = dt.datetime.now(dt.UTC)
    out = []
    for ind in cfg.indicators:
        try:
            rows = spark.sql(ind.query).collect()
        except Exception as exc:
            raise EarlyWarningError(f"early_warning.yaml indicator {ind.name!r}: query failed: {exc}") from exc
        for r in rows:
            d = r.asDict()
            if "nilai" not in d or "scope_kode" not in d:
                raise EarlyWarningError(f"early_warning.yaml indicator {ind.name!r}: the query must return "
                                        f"scope_kode, scope_nama, nilai; got {list(d)}")
            v = d["nilai"]
            if v is None:
                continue
            above = ind.max is not None
            limit = ind.max if above else ind.min
            if (v > limit) if above else (v < limit):
                crit = ind.kritis is not None and ((v > ind.kritis) if above else (v < ind.kritis))
                out.append({"run_id": run_id, "diperiksa_pada": now, "indikator": ind.name,
                            "deskripsi": ind.description, "cakupan": ind.scope,
                            "scope_kode": None if d["scope_kode"] is None else str(d["scope_kode"]),
                            "scope_nama": d.get("scope_nama"), "nilai": float(v),
                            "pembilang": _num(d.get("pembilang")), "penyebut": _num(d.get("penyebut")),
                            "ambang": float(limit), "arah": "maks" if above else "min", "satuan": ind.satuan,
                            "tingkat": "kritis" if crit else "peringatan"})
    return out


def _num(v):
    return None if v is None else float(v)


def _format(b: dict) -> str:
    val = f"{b['nilai']:.1%}" if b["satuan"] == "persen" else f"{b['nilai']:,.0f}"
    lim = f"{b['ambang']:.1%}" if b["satuan"] == "persen" else f"{b['ambang']:,.0f}"
    sign = ">" if b["arah"] == "maks" else "<"
    return f"[{b['tingkat'].upper()}] {b['deskripsi']} — {b['scope_nama'] or b['scope_kode']}: {val} {sign} {lim}"


def notify(breaches: list[dict], cfg: EarlyWarningConfig) -> dict:
    """Send ``breaches``: log always; webhook / e-mail when configured and their env vars are set.

    Returns what was sent. A failing channel is logged and reported, never raised: the gold build
    has already succeeded and its breaches are stored.
    """
    sent = {"log": len(breaches), "webhook": None, "email": None}
    for b in breaches:
        log.warning("peringatan dini %s", _format(b))
    if not breaches:
        return sent
    wh = cfg.notify.webhook
    if wh and os.environ.get(wh.url_env):
        body = json.dumps({"jumlah": len(breaches), "peringatan": breaches}, default=str).encode()
        req = urllib.request.Request(os.environ[wh.url_env], data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=wh.timeout_s) as resp:
                sent["webhook"] = resp.status
        except Exception as exc:  # reported, not raised (see docstring)
            log.error("early-warning webhook failed: %s", exc)
            sent["webhook"] = f"error: {exc}"
    em = cfg.notify.email
    if em and os.environ.get(em.smtp_host_env):
        msg = EmailMessage()
        msg["Subject"], msg["From"], msg["To"] = f"{em.subject} ({len(breaches)})", em.sender, ", ".join(em.to)
        msg.set_content("\n".join(_format(b) for b in breaches))
        try:
            with smtplib.SMTP(os.environ[em.smtp_host_env], em.smtp_port, timeout=10) as smtp:
                smtp.send_message(msg)
            sent["email"] = len(em.to)
        except Exception as exc:
            log.error("early-warning e-mail failed: %s", exc)
            sent["email"] = f"error: {exc}"
    return sent


def evaluate_and_notify(spark, cfg: Config, lake=None, run_id: str = "manual") -> dict:
    """Evaluate, append the breaches to ``gold.peringatan`` (the table exists even with none), notify."""
    ew = load_config(cfg.conf_dir)
    breaches = evaluate(spark, ew, lake, run_id)
    cols = list(PERINGATAN_COLUMNS)
    df = spark.createDataFrame([tuple(b[c] for c in cols) for b in breaches], _SCHEMA)
    df.write.format("delta").mode("append").save(lakehouse.table_path("gold", "peringatan", lake))
    sent = notify(breaches, ew)
    by_ind: dict = {}
    for b in breaches:
        by_ind[b["indikator"]] = by_ind.get(b["indikator"], 0) + 1
    return {"breaches": len(breaches), "by_indicator": by_ind, "sent": sent}
