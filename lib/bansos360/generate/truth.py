"""Ground truth (``_truth/*.parquet``) and ``manifest.json``."""

from __future__ import annotations

import json
import logging

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bansos360 import __version__
from bansos360.generate.params import N_PERIODS, PERIODS
from bansos360.generate.reference import desa_table
from bansos360.generate.tables import ANOMALY_COLUMNS, RECORD_COLUMNS
from bansos360.generate.world import World
from bansos360.generate.writers import sha256

log = logging.getLogger(__name__)

TRUTH_DIR = "_truth"


def _write(df: pd.DataFrame, path, schema: pa.Schema | None = None) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
    pq.write_table(table, path, compression="zstd")
    return len(df)


def _dates(days) -> pd.arrays.ArrowExtensionArray:
    """int day numbers -> date32 (the generator's "never" becomes null)."""
    d = np.asarray(days, dtype=np.int64)
    arr = pa.array(np.where(d > 1_000_000, 0, d).astype(np.int32), mask=d > 1_000_000).cast(pa.date32())
    return pd.array(arr, dtype=pd.ArrowDtype(pa.date32()))


def write(w: World) -> dict[str, int]:
    """Write every truth table; returns rows per file."""
    td = w.out_dir / TRUTH_DIR
    t = desa_table()
    pop, mp, P, H, F = w.pop, w.mp, w.P, w.H, w.F
    per = np.array(PERIODS, dtype=object)
    counts = {}

    # person_periods -------------------------------------------------------------
    idart = pop.members["idartbdt"][mp["m"].to_numpy()]
    pp = pd.DataFrame(
        {
            "person_id": P["person_id"].to_numpy()[mp["person"].to_numpy()],
            "period": per[mp["p"].to_numpy()],
            "household_id": H["idbdt"].to_numpy()[mp["hh"].to_numpy()],
            "idartbdt": idart,
            "no_kk": F["kk"].to_numpy()[mp["fam"].to_numpy()],
            "nuk": mp["nuk"].to_numpy().astype(np.int16),
            "hub_krt": mp["hub"].to_numpy().astype(np.int16),
            "hubkel": mp["hubkel"].to_numpy().astype(np.int16),
            "umur": mp["Umur"].to_numpy().astype(np.int16),
            "sta_kawin": mp["Sta_kawin"].to_numpy().astype(np.int16),
            "jenis_cacat": mp["Jenis_cacat"].to_numpy().astype(np.int16),
            "desil": mp["desil"].to_numpy().astype(np.int16),
            "kode_bps": t["kode_bps"].to_numpy()[mp["desa"].to_numpy()],
            "ada_pkh": mp["Ada_pkh"].to_numpy().astype(np.int16),
            "ada_bpnt": mp["Ada_BPNT"].to_numpy().astype(np.int16),
            "ada_pbi": mp["Ada_pbi"].to_numpy().astype(np.int16),
            "ada_kks": mp["Ada_kks"].to_numpy().astype(np.int16),
            "ada_kip": mp["Ada_kip"].to_numpy().astype(np.int16),
            "on_pkh": mp["_pkh"].to_numpy(),
            "on_bpnt": mp["_bpnt"].to_numpy(),
            "art_row": mp["art_row"].astype("Int64").to_numpy(),
        }
    )
    counts["person_periods.parquet"] = _write(pp, td / "person_periods.parquet")

    # persons -------------------------------------------------------------------
    n = len(P)
    idx = np.arange(n)
    mask = np.zeros(n, dtype=np.int64)
    np.bitwise_or.at(mask, mp["person"].to_numpy(), 1 << mp["p"].to_numpy().astype(np.int64))
    lists = [[PERIODS[j] for j in range(N_PERIODS) if b >> j & 1] for b in range(1 << N_PERIODS)]
    listed = [lists[b] for b in mask]
    last_row = mp.sort_values(["person", "p"]).drop_duplicates("person", keep="last").set_index("person")
    persons = pd.DataFrame(
        {
            "person_id": P["person_id"].to_numpy(),
            "household_id": H["idbdt"].to_numpy()[P["first_hh"].to_numpy()],
            "nik": P["nik"].to_numpy(),
            "no_kk": F["kk"].to_numpy()[last_row["fam"].reindex(idx).fillna(0).astype(int).to_numpy()],
            "name": P["name"].to_numpy(),
            "sex": np.where(P["female"].to_numpy(), 2, 1).astype(np.int8),
            "birth_date": _dates(P["birth"].to_numpy()),
            "birth_place": P["birth_place"].to_numpy(),
            "mother_name": P["mother_name"].to_numpy(),
            "kode_bps": t["kode_bps"].to_numpy()[last_row["desa"].reindex(idx).fillna(0).astype(int).to_numpy()],
            "death_date": _dates(P["death"].to_numpy()),
            "nik_region": P["region6"].astype(str).to_numpy(),
            "nik_outside_trenggalek": ~P["region6"].astype(str).str.startswith("3503").to_numpy(),
            "nik_lahir_mismatch": P["mismatch"].to_numpy(),
            "married_out_founder": P["donor"].to_numpy(),
            "periods": listed,
        }
    )
    persons = persons[mask > 0].reset_index(drop=True)  # only people listed in some DTKS period
    counts["persons.parquet"] = _write(persons, td / "persons.parquet")

    # households ----------------------------------------------------------------
    pres = pop.hh_present
    freq = pres.sum(axis=1)
    last = np.where(pres.any(axis=1), N_PERIODS - 1 - np.argmax(pres[:, ::-1], axis=1), -1)
    rec = np.select([last == N_PERIODS - 1, last >= N_PERIODS - 3], ["Tinggi", "Sedang"], "Rendah")
    fr = np.select([freq == N_PERIODS, freq >= 3], ["Tinggi", "Sedang"], "Rendah")
    seg_map = {("Tinggi", "Tinggi"): "A", ("Tinggi", "Sedang"): "B", ("Tinggi", "Rendah"): "C",
               ("Sedang", "Tinggi"): "D", ("Sedang", "Sedang"): "E", ("Sedang", "Rendah"): "F",
               ("Rendah", "Tinggi"): "G", ("Rendah", "Sedang"): "H", ("Rendah", "Rendah"): "I"}
    origin = np.where(H["split"].to_numpy(), "split", np.where(H["first"].to_numpy() == 0, "base", "entrant"))
    hh = pd.DataFrame(
        {
            "household_id": H["idbdt"].to_numpy(),
            "segment": [seg_map[(a, b)] for a, b in zip(rec, fr, strict=True)],
            "recency": rec,
            "frequency": fr,
            "n_periods": freq.astype(np.int8),
            "periods": [[PERIODS[j] for j in np.flatnonzero(r)] for r in pres],
            "first_period": per[H["first"].to_numpy()],
            "last_period": per[np.maximum(last, 0)],
            "origin": origin,
            "kode_bps_first": pop.hh["kode_bps_first"],
        }
    )
    counts["households.parquet"] = _write(hh, td / "households.parquet")

    # household_periods -----------------------------------------------------------
    parts = []
    for p in range(N_PERIODS):
        r = w.prog["rt_rows"][p]
        hx = r["hh"].to_numpy()
        sub = mp[mp["p"] == p]
        size = sub.groupby("hh").size().reindex(hx).to_numpy()
        nfam = sub.groupby("hh")["fam"].nunique().reindex(hx).to_numpy()
        pct = r["percentile"].to_numpy()
        parts.append(pd.DataFrame(
            {
                "household_id": H["idbdt"].to_numpy()[hx],
                "period": PERIODS[p],
                "desil": r["desil"].to_numpy().astype(np.int16),
                "percentile": pd.Series(pct, dtype="Int16").where(pct > 0).to_numpy(),
                "status_kesejahteraan": pd.Series(np.ceil(pct / 10).astype(int), dtype="Int16").where((pct >= 1) & (pct <= 40)).to_numpy(),
                "kode_bps": t["kode_bps"].to_numpy()[pop.hh_desa[hx, p]],
                "head_person_id": P["person_id"].to_numpy()[r["head"].to_numpy()],
                "n_members": size.astype(np.int16),
                "n_families": nfam.astype(np.int16),
                "rt_row": r["row_number"].to_numpy(),
            }
        ))
    counts["household_periods.parquet"] = _write(pd.concat(parts, ignore_index=True), td / "household_periods.parquet")

    # outsiders -------------------------------------------------------------------
    X = w.X
    xo = pd.DataFrame(
        {
            "outsider_id": X["outsider_id"], "group": X["group"], "group_key": X["group_key"], "nik": X["nik"],
            "no_kk": X["kk"], "name": X["name"], "sex": np.where(X["female"].astype(bool), 2, 1).astype(np.int8),
            "birth_date": _dates(X["birth"].to_numpy()), "kode_bps": t["kode_bps"].to_numpy()[X["desa"].to_numpy().astype(int)],
        }
    )
    counts["outsiders.parquet"] = _write(xo, td / "outsiders.parquet")

    # records, anomalies ------------------------------------------------------------
    rec_df = pd.concat(w.records, ignore_index=True)[RECORD_COLUMNS]
    rec_schema = pa.schema([
        ("source", pa.string()), ("file", pa.string()), ("sheet", pa.string()), ("row_number", pa.int64()),
        ("person_id", pa.string()), ("household_id", pa.string()), ("outsider_id", pa.string()),
        ("nik_written", pa.string()), ("nik_cell_type", pa.string()), ("name_written", pa.string()),
        ("nik_true", pa.string()), ("kk_written", pa.string()), ("kk_true", pa.string()), ("name_true", pa.string()),
        ("family_kk", pa.string()), ("period", pa.string()), ("established", pa.bool_()),
    ])
    rec_df["established"] = rec_df["established"].astype(object).where(rec_df["established"].notna(), None)
    counts["records.parquet"] = _write(rec_df, td / "records.parquet", rec_schema)
    an = pd.concat(w.anomalies, ignore_index=True)[ANOMALY_COLUMNS]
    an_schema = pa.schema([("source", pa.string()), ("file", pa.string()), ("sheet", pa.string()),
                           ("row_number", pa.int64()), ("column", pa.string()), ("kind", pa.string()),
                           ("detail", pa.string())])
    an = an.astype({"sheet": object, "column": object, "detail": object})
    counts["anomalies.parquet"] = _write(an, td / "anomalies.parquet", an_schema)
    w.anomaly_counts = an["kind"].value_counts().sort_index().to_dict()  # type: ignore[attr-defined]
    return counts


def manifest(w: World, truth_counts: dict[str, int], seconds: float) -> dict:
    """Write ``manifest.json`` (files with sha256 and data row counts) and return it."""
    files = []
    for rel in sorted(w.files):
        info = w.files[rel]
        path = w.out_dir / rel
        entry = {"path": rel, "sha256": sha256(path), "bytes": path.stat().st_size, "source": info["source"]}
        if isinstance(info["rows"], dict):
            entry["members"] = info["rows"]
        else:
            entry["rows"] = info["rows"]
        if "period" in info:
            entry["period"] = info["period"]
        files.append(entry)
    for name, rows in sorted(truth_counts.items()):
        rel = f"{TRUTH_DIR}/{name}"
        path = w.out_dir / rel
        files.append({"path": rel, "sha256": sha256(path), "bytes": path.stat().st_size, "source": "truth", "rows": rows})
    man = {
        "generator": "bansos360.generate",
        "version": __version__,
        "scale": w.scale,
        "seed": w.seed,
        "clean": not w.messy,
        "periods": list(PERIODS),
        "files": files,
    }
    (w.out_dir / "manifest.json").write_text(json.dumps(man, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return man
