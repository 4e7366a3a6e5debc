"""Disability register of Dinas Sosial (``disabilitas/Data Disabilitas Trenggalek.xlsx``).

Most entries are DTKS individuals with Jenis_cacat > 0; ~30 % are not in DTKS. The register's
own code (KODE_JENIS_CACAT) sometimes differs from DTKS or is missing; JENIS_DISABILITAS is a
free-text label in the spellings of regional dashboards (raw-formats §5.5).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from bansos360.generate import messiness as ms
from bansos360.generate import outsiders as outs
from bansos360.generate.params import DISABILITY_COUNT, N_PERIODS, scaled, stream
from bansos360.generate.reference import desa_table, kecamatan_names
from bansos360.generate.tables import Layout, Logical, render
from bansos360.generate.world import World

log = logging.getLogger(__name__)

FILE = "disabilitas/Data Disabilitas Trenggalek.xlsx"
HEADER = ["NO", "NIK", "NO_KK", "NAMA", "JENIS_KELAMIN", "TEMPAT_LAHIR", "TANGGAL_LAHIR", "ALAMAT", "DESA", "KECAMATAN",
          "JENIS_DISABILITAS", "KODE_JENIS_CACAT", "KETERANGAN"]
LABELS = {
    1: ["Tuna daksa", "Cacat tubuh"], 2: ["Tuna netra", "Buta"], 3: ["Tuna rungu"], 4: ["Tuna wicara"],
    5: ["Tuna rungu & wicara", "Tuna rungu wicara"], 6: ["Tuna netra & daksa"], 7: ["Tuna netra, rungu & wicara"],
    8: ["Tuna rungu, wicara & daksa"], 9: ["Tuna rungu, wicara, netra & daksa"],
    10: ["Tuna mental retardasi", "Retardasi mental"], 11: ["Bekas penderita gangguan jiwa", "Mantan penderita gangguan jiwa"],
    12: ["Tuna daksa & mental", "Cacat fisik & mental"],
}


def plan(w: World) -> None:
    """Pick the DTKS persons of the register and create its outsiders."""
    rng = stream(w.seed, "disab-plan")
    n = scaled(DISABILITY_COUNT, w.scale)
    n_out = int(round(n * w.knobs.disability_outsider_share))
    n_dt = n - n_out
    mp = w.mp
    dis = mp[mp["Jenis_cacat"] > 0]
    # each person's latest listed row
    latest = dis.sort_values(["person", "p"]).drop_duplicates("person", keep="last")
    w4 = (latest["p"] == N_PERIODS - 1).to_numpy()
    weights = np.where(w4, 1.0, 0.15)
    k = min(n_dt, len(latest))
    keys = np.log(rng.random(len(latest))) / weights
    pick = np.sort(np.argpartition(-keys, k - 1)[:k]) if k > 0 else np.zeros(0, dtype=int)
    sel = latest.iloc[pick]
    n_out = n - len(sel)
    start = 1 if w.X is None else int(w.X["outsider_id"].str[1:].astype(int).max()) + 1
    x = outs.individuals(stream(w.seed, "disab-outsiders"), n_out, "disabilitas", w.knobs, 0.47, 3, 85, start)
    x["group_key"] = x["outsider_id"]
    w.X = x if w.X is None else pd.concat([w.X, x], ignore_index=True)
    w.prog["disab"] = {"dtks": sel[["person", "m", "hh", "fam", "p", "Jenis_cacat", "desa"]].reset_index(drop=True),
                       "outsiders": x["outsider_id"].to_numpy()}


def write(w: World) -> None:
    rng = stream(w.seed, "disab-rows")
    t = desa_table()
    d = w.prog["disab"]["dtks"]
    X = w.X.set_index("outsider_id").loc[w.prog["disab"]["outsiders"]].reset_index()
    P, F, H = w.P, w.F, w.H
    nd, nx = len(d), len(X)
    person = d["person"].to_numpy()
    al_col = "alamat" if w.messy else "alamat_canon"
    df = pd.DataFrame(
        {
            "person_id": np.r_[P["person_id"].to_numpy()[person], np.full(nx, None)],
            "household_id": np.r_[H["idbdt"].to_numpy()[d["hh"].to_numpy()], np.full(nx, None)],
            "outsider_id": np.r_[np.full(nd, None), X["outsider_id"].to_numpy()],
            "nik": np.r_[P["nik"].to_numpy()[person], X["nik"].to_numpy()],
            "kk": np.r_[F["kk"].to_numpy()[d["fam"].to_numpy()], X["kk"].to_numpy()],
            "name": np.r_[P["name"].to_numpy()[person], X["name"].to_numpy()],
            "female": np.r_[P["female"].to_numpy()[person], X["female"].to_numpy()].astype(bool),
            "birth": np.r_[P["birth"].to_numpy()[person], X["birth"].to_numpy()].astype(np.int64),
            "birth_place": np.r_[P["birth_place"].to_numpy()[person], X["birth_place"].to_numpy()],
            "desa": np.r_[d["desa"].to_numpy(), X["desa"].to_numpy()].astype(np.int64),
            "alamat": np.r_[H[al_col].to_numpy()[d["hh"].to_numpy()],
                            ("DUSUN " + X["dusun"] + " RT " + X["rt"].astype(str).str.zfill(3) + " RW "
                             + X["rw"].astype(str).str.zfill(3)).to_numpy()],
            "code": np.r_[d["Jenis_cacat"].to_numpy(), X["disab"].to_numpy()].astype(int),
        }
    )
    kec_order = {k.upper(): i for i, k in enumerate(kecamatan_names())}
    df["kec"] = t["nama_kecamatan"].str.upper().to_numpy()[df["desa"]]
    df["desa_name"] = t["nama_desa"].str.upper().to_numpy()[df["desa"]]
    df = df.iloc[np.lexsort((rng.random(len(df)), df["desa_name"].to_numpy(), df["kec"].map(kec_order).to_numpy()))].reset_index(drop=True)
    n = len(df)
    code = df["code"].to_numpy()
    u = rng.random(n)
    written_code = code.astype(object).astype(float).astype(object)
    differs = u < 0.10
    missing = (u >= 0.10) & (u < 0.15)
    alt = rng.integers(1, 13, n)
    alt = np.where(alt == code, (alt % 12) + 1, alt)
    written_code[differs] = alt[differs].astype(float)
    written_code[missing] = None
    label_code = np.where(differs & (rng.random(n) < 0.5), alt, code)
    labels = np.array([LABELS[c][int(v * len(LABELS[c]))] for c, v in zip(label_code, rng.random(n), strict=True)], dtype=object)
    labels[missing & (rng.random(n) < 0.4)] = "Tanpa keterangan"
    if not w.messy:
        labels = np.array([LABELS[c][0] for c in code], dtype=object)
        written_code = code.astype(float).astype(object)
    ket = rng.choice(np.array(["", "RINGAN", "SEDANG", "BERAT"], dtype=object), size=n, p=[0.4, 0.2, 0.25, 0.15])
    cols = {
        "NO": np.arange(1, n + 1).astype(float).astype(object), "NIK": df["nik"].to_numpy(), "NO_KK": df["kk"].to_numpy(),
        "NAMA": df["name"].to_numpy(), "JENIS_KELAMIN": np.where(df["female"], "P", "L").astype(object),
        "TEMPAT_LAHIR": df["birth_place"].to_numpy(), "TANGGAL_LAHIR": df["birth"].to_numpy(),
        "ALAMAT": df["alamat"].to_numpy(), "DESA": df["desa_name"].to_numpy(), "KECAMATAN": df["kec"].to_numpy(),
        "JENIS_DISABILITAS": labels, "KODE_JENIS_CACAT": written_code, "KETERANGAN": ket,
    }
    content = [(np.flatnonzero(df["person_id"].isna().to_numpy()), "not_in_dtks", None, "person not in any DTKS period")]
    if w.messy:
        content.append((np.flatnonzero(differs), "disab_code_differs", "KODE_JENIS_CACAT", "register code differs from DTKS/true code"))
        content.append((np.flatnonzero(missing), "disab_code_missing", "KODE_JENIS_CACAT", "code missing"))
    truth = pd.DataFrame({"person_id": df["person_id"], "household_id": df["household_id"], "outsider_id": df["outsider_id"],
                          "nik_true": df["nik"], "kk_true": df["kk"], "name_true": df["name"], "family_kk": df["kk"],
                          "period": None, "established": None})
    lg = Logical(source="disabilitas", file=FILE, header=HEADER, cols=cols, truth=truth, female=df["female"].to_numpy(),
                 nik_col="NIK", kk_col="NO_KK", name_col="NAMA", date_col="TANGGAL_LAHIR", desa_col="DESA",
                 desa_split=t["split_name"].to_numpy()[df["desa"].to_numpy()], content=content)
    lay = Layout(kind="xlsx", sheet="Data",
                 titles=lambda s: [["DATA PENYANDANG DISABILITAS"], ["KABUPATEN TRENGGALEK TAHUN 2020"], []],
                 totals=lambda s, k: ["JUMLAH", None, None, k], blank_share=0.002)
    r = render(lg, lay, w.out_dir, stream(w.seed, "disab-mess"), w.messy, ms.NikRates(float_lost_digit=0.06))
    w.records.append(r.records)
    w.anomalies.append(r.anomalies)
    w.files[FILE] = {"rows": r.rows, "source": "disabilitas"}
    log.info("wrote %s (%d rows)", FILE, r.rows)
