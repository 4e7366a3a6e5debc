"""Usulan daerah: the regency's proposals for DTKS before each penetapan after the first.

Layout (one row per proposed individual, grouped by household):
``NO, PERIODE_PENETAPAN (YYYY-MM), IDBDT (empty for new households), NIK, NO_KK, NAMA,
JENIS_KELAMIN (L/P), TANGGAL_LAHIR, HUB_KRT (text label), ALAMAT, DESA, KECAMATAN,
JENIS_USULAN (BARU / PERBAIKAN), KETERANGAN``.

Content per period: most of the period's new-entrant households (BARU, established), most
re-entering households and a few existing households with corrections (PERBAIKAN, with IDBDT),
and households that were proposed but never established (BARU, not in any DTKS period).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from bansos360.generate import messiness as ms
from bansos360.generate import outsiders as outs
from bansos360.generate.params import PERIODS, stream
from bansos360.generate.reference import desa_table, kecamatan_names
from bansos360.generate.tables import Layout, Logical, render
from bansos360.generate.world import World

log = logging.getLogger(__name__)

HEADER = ["NO", "PERIODE_PENETAPAN", "IDBDT", "NIK", "NO_KK", "NAMA", "JENIS_KELAMIN", "TANGGAL_LAHIR", "HUB_KRT",
          "ALAMAT", "DESA", "KECAMATAN", "JENIS_USULAN", "KETERANGAN"]
FILES = {
    "2019-07": "usulan/Usulan Daerah 2019-07.xlsx",
    "2019-10": "usulan/Usulan Daerah 2019-10.csv",
    "2020-01": "usulan/Usulan Daerah 2020-01.xlsx",
    "2020-10": "usulan/Usulan Daerah 2020-10.csv",
}
HUB_LABEL = {1: "KEPALA RUMAH TANGGA", 2: "ISTRI/SUAMI", 3: "ANAK", 4: "MENANTU", 5: "CUCU", 6: "ORANG TUA/MERTUA",
             7: "PEMBANTU RUTA", 8: "LAINNYA"}
_MONTHS = {"01": "JANUARI", "07": "JULI", "10": "OKTOBER"}


def plan(w: World) -> None:
    """Choose proposed households per period and create the never-established ones."""
    rng = stream(w.seed, "usulan-plan")
    pres = w.pop.hh_present
    first = w.H["first"].to_numpy()
    kn = w.knobs
    plans = {}
    for p in range(1, len(PERIODS)):
        new = np.flatnonzero(first == p)
        new = new[rng.random(len(new)) < kn.usulan_entrant_share]
        back = np.flatnonzero(pres[:, p] & ~pres[:, p - 1] & (first < p))
        back = back[rng.random(len(back)) < 0.8]
        stay = np.flatnonzero(pres[:, p] & pres[:, p - 1])
        fix = stay[rng.random(len(stay)) < kn.usulan_perbaikan_share]
        n_rej = max(1, int(round(kn.usulan_rejected_ratio * len(new))))
        start = 1 if w.X is None else int(w.X["outsider_id"].str[1:].astype(int).max()) + 1
        x = outs.households(stream(w.seed, f"usulan-outsiders-{PERIODS[p]}"), n_rej, f"usulan:{PERIODS[p]}", kn, start)
        x["group_key"] = f"U{PERIODS[p]}-" + x["group_no"].astype(str)
        w.X = x if w.X is None else pd.concat([w.X, x], ignore_index=True)
        plans[p] = {"new": new, "back": back, "fix": fix, "rejected": x["outsider_id"].to_numpy()}
    w.prog["usulan"] = plans


def write(w: World) -> None:
    for p, pl in w.prog["usulan"].items():
        period = PERIODS[p]
        lg, lay = _logical(w, p, pl)
        r = render(lg, lay, w.out_dir, stream(w.seed, f"usulan-mess-{period}"), w.messy,
                   ms.NikRates(float_lost_digit=0.03, sci=0.01))
        w.records.append(r.records)
        w.anomalies.append(r.anomalies)
        w.files[lg.file] = {"rows": r.rows, "source": "usulan", "period": period}
        log.info("wrote %s (%d rows)", lg.file, r.rows)


def _logical(w: World, p: int, pl: dict) -> tuple[Logical, Layout]:
    period = PERIODS[p]
    rng = stream(w.seed, f"usulan-rows-{period}")
    t = desa_table()
    mp = w.mp[w.mp["p"] == p]
    hh_sel = np.r_[pl["new"], pl["back"], pl["fix"]]
    jenis = np.r_[np.full(len(pl["new"]), "BARU", object), np.full(len(pl["back"]) + len(pl["fix"]), "PERBAIKAN", object)]
    ket_h = np.r_[np.full(len(pl["new"]), "USULAN BARU HASIL MUSDES", object),
                  np.full(len(pl["back"]), "AKTIFKAN KEMBALI", object),
                  rng.choice(np.array(["PERBAIKAN DATA ART", "PERBAIKAN NIK", "PENAMBAHAN ART"], dtype=object), len(pl["fix"]))]
    sub = mp[mp["hh"].isin(hh_sel)].copy()
    pos = pd.Series(np.arange(len(hh_sel)), index=hh_sel)
    sub["hpos"] = pos.reindex(sub["hh"].to_numpy()).to_numpy()
    sub["mno"] = w.pop.members["member_no"][sub["m"].to_numpy()]
    person = sub["person"].to_numpy()
    hh = sub["hh"].to_numpy()
    al_col = "alamat" if w.messy else "alamat_canon"
    d = pd.DataFrame(
        {
            "person_id": w.P["person_id"].to_numpy()[person],
            "household_id": w.H["idbdt"].to_numpy()[hh],
            "outsider_id": None,
            "idbdt": np.where(jenis[sub["hpos"]] == "BARU", "", w.H["idbdt"].to_numpy()[hh]),
            "nik": w.P["nik"].to_numpy()[person],
            "kk": w.F["kk"].to_numpy()[sub["fam"].to_numpy()],
            "name": w.P["name"].to_numpy()[person],
            "female": w.P["female"].to_numpy()[person],
            "birth": w.P["birth"].to_numpy()[person].astype(np.int64),
            "hub": sub["hub"].to_numpy(),
            "alamat": w.H[al_col].to_numpy()[hh],
            "desa": sub["desa"].to_numpy().astype(np.int64),
            "jenis": jenis[sub["hpos"]],
            "ket": ket_h[sub["hpos"]],
            "established": True,
            "grp": "H" + hh.astype(str),
            "mno": sub["mno"].to_numpy(),
        }
    )
    X = w.X.set_index("outsider_id").loc[pl["rejected"]].reset_index()
    x = pd.DataFrame(
        {
            "person_id": None, "household_id": None, "outsider_id": X["outsider_id"].to_numpy(), "idbdt": "",
            "nik": X["nik"].to_numpy(), "kk": X["kk"].to_numpy(), "name": X["name"].to_numpy(),
            "female": X["female"].to_numpy(), "birth": X["birth"].to_numpy().astype(np.int64), "hub": X["hub"].to_numpy(),
            "alamat": ("DUSUN " + X["dusun"] + " RT " + X["rt"].astype(str).str.zfill(3) + " RW "
                       + X["rw"].astype(str).str.zfill(3)).to_numpy(),
            "desa": X["desa"].to_numpy().astype(np.int64), "jenis": "BARU", "ket": "USULAN BARU HASIL MUSDES",
            "established": False, "grp": X["group_key"].to_numpy(), "mno": X["hub"].to_numpy(),
        }
    )
    df = pd.concat([d, x], ignore_index=True)
    df["kec"] = t["nama_kecamatan"].str.upper().to_numpy()[df["desa"]]
    df["desa_name"] = t["nama_desa"].str.upper().to_numpy()[df["desa"]]
    kec_order = {k.upper(): i for i, k in enumerate(kecamatan_names())}
    gkeys = df["grp"].unique()
    gr = pd.Series(rng.random(len(gkeys)), index=gkeys)
    grp_rand = gr.reindex(df["grp"]).to_numpy()
    order = np.lexsort((df["mno"].to_numpy(), grp_rand, df["desa_name"].to_numpy(), df["kec"].map(kec_order).to_numpy()))
    df = df.iloc[order].reset_index(drop=True)
    n = len(df)
    cols = {
        "NO": np.arange(1, n + 1).astype(float).astype(object), "PERIODE_PENETAPAN": np.full(n, period, object),
        "IDBDT": df["idbdt"].to_numpy(), "NIK": df["nik"].to_numpy(), "NO_KK": df["kk"].to_numpy(),
        "NAMA": df["name"].to_numpy(), "JENIS_KELAMIN": np.where(df["female"].astype(bool), "P", "L").astype(object),
        "TANGGAL_LAHIR": df["birth"].to_numpy(), "HUB_KRT": np.array([HUB_LABEL[int(h)] for h in df["hub"]], dtype=object),
        "ALAMAT": df["alamat"].to_numpy(), "DESA": df["desa_name"].to_numpy(), "KECAMATAN": df["kec"].to_numpy(),
        "JENIS_USULAN": df["jenis"].to_numpy(), "KETERANGAN": df["ket"].to_numpy(),
    }
    truth = pd.DataFrame({"person_id": df["person_id"], "household_id": df["household_id"], "outsider_id": df["outsider_id"],
                          "nik_true": df["nik"], "kk_true": df["kk"], "name_true": df["name"], "family_kk": df["kk"],
                          "period": period, "established": df["established"].astype(bool)})
    content = [(np.flatnonzero(~df["established"].astype(bool).to_numpy()), "usulan_not_established", None,
                "proposed household never appears in DTKS")]
    file = FILES[period]
    if file.endswith(".xlsx"):
        mon = _MONTHS[period[5:]]
        lay = Layout(kind="xlsx", sheet="USULAN",
                     titles=lambda s: [[f"USULAN DAERAH DTKS PENETAPAN {mon} {period[:4]}"], ["KABUPATEN TRENGGALEK"]],
                     blank_share=0.001)
    else:
        semi = w.messy and period == "2019-10"
        lay = Layout(kind="csv", delimiter=";" if semi else ",", bom=semi)
    lg = Logical(source="usulan", file=file, header=HEADER, cols=cols, truth=truth,
                 female=df["female"].astype(bool).to_numpy(), nik_col="NIK", kk_col="NO_KK", name_col="NAMA",
                 date_col="TANGGAL_LAHIR", desa_col="DESA", desa_split=t["split_name"].to_numpy()[df["desa"].to_numpy()],
                 content=content)
    return lg, lay
