"""The generated world: population, identities, households, families, period views and outsiders.

Built once per run by :func:`build`; every writer reads from it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bansos360.generate import attributes as at
from bansos360.generate import identity as ident
from bansos360.generate import population as popmod
from bansos360.generate.params import Knobs, stream
from bansos360.generate.reference import desa_table

log = logging.getLogger(__name__)


@dataclass
class World:
    seed: int
    scale: float
    messy: bool
    knobs: Knobs
    out_dir: Path
    pop: popmod.Population | None = None
    mp: pd.DataFrame | None = None        # membership-period rows with ART codes and program flags
    P: pd.DataFrame | None = None         # persons
    F: pd.DataFrame | None = None         # families (KK)
    H: pd.DataFrame | None = None         # households (stable attributes)
    X: pd.DataFrame | None = None         # outsiders (people not in DTKS)
    traits: pd.DataFrame | None = None
    prog: dict = field(default_factory=dict)
    records: list[pd.DataFrame] = field(default_factory=list)
    anomalies: list[pd.DataFrame] = field(default_factory=list)
    files: dict[str, dict] = field(default_factory=dict)


def build(w: World) -> None:
    """Population, identities (without NIK/KK numbers) and ART codes of every listed row."""
    pop = popmod.simulate(w.seed, w.scale, w.knobs)
    popmod.assign_ids(pop, stream(w.seed, "ids"))
    w.pop = pop
    t = desa_table()
    persons = pop.persons
    n = len(persons)
    rng = stream(w.seed, "identity")
    female = persons["female"]
    birth = persons["birth"]
    name, mom = ident.person_names(rng, female, birth, persons["mother"])
    kec_upper = t["nama_kecamatan"].str.upper().to_numpy()[persons["home_desa"]]
    specs = ident.nik_specs(rng, persons["home_desa"], birth, female, w.knobs, persons["from_outside"],
                            mismatch_share=w.knobs.nik_mismatch_share)
    from bansos360.generate.names import birth_places

    bp = birth_places(rng, kec_upper, specs["elsewhere_name"].to_numpy())
    w.P = pd.DataFrame(
        {
            "person_id": persons["person_id"],
            "female": female,
            "birth": birth,
            "death": persons["death"],
            "name": name,
            "mother_name": mom,
            "birth_place": bp,
            "first_hh": persons["first_hh"],
            "home_desa": persons["home_desa"],
            "donor": persons["donor"],
            "region6": specs["region6"].to_numpy(),
            "nik_birth": specs["nik_birth"].to_numpy(),
            "nik_female": specs["nik_female"].to_numpy(),
            "mismatch": specs["mismatch"].to_numpy(),
        }
    )
    w.traits = at.person_traits(stream(w.seed, "traits"), female, birth, w.knobs)

    # families: KK region = kecamatan of the household when the family registered (1 % elsewhere)
    fam = pop.families
    h = len(pop.hh_present)
    fam_desa = pop.hh_desa[fam["hh"], pop.hh["first"][fam["hh"]]]
    region = ident.kec_region6(fam_desa)
    frng = stream(w.seed, "families")
    else_ = frng.random(len(region)) < 0.01
    region = np.where(else_, frng.choice([350201, 350401, 350105, 350612], len(region)), region)
    w.F = pd.DataFrame({"hh": fam["hh"], "reg": fam["reg"], "region6": region})

    # households
    hrng = stream(w.seed, "households")
    first = pop.hh["first"]
    desa_first = pop.hh_desa[np.arange(h), first]
    desil_first = pop.hh_desil[np.arange(h), first]
    attrs = at.household_attrs(hrng, desa_first, desil_first)
    changes = at.change_periods(hrng, h)
    w.H = pd.concat(
        [
            pd.DataFrame({"idbdt": pop.hh["idbdt"], "segment": pop.hh["segment"], "first": first,
                          "last": pop.hh["last"], "split": pop.hh["split"]}),
            attrs,
            changes.add_prefix("chg_"),
        ],
        axis=1,
    )
    w.H["alamat"] = at.alamat(attrs, w.messy)
    w.H["alamat_canon"] = at.alamat(attrs, False)
    w.H["nama_sls"] = at.nama_sls(attrs)

    # membership-period rows with per-period ART codes
    mp = popmod.member_periods(pop)
    codes = at.art_codes(stream(w.seed, "art-codes"), w.traits.iloc[mp["person"].to_numpy()].reset_index(drop=True),
                         female[mp["person"].to_numpy()], mp["age"].to_numpy(), mp["marital"].to_numpy(),
                         mp["hub"].to_numpy(), mp["new"].to_numpy())
    for k, v in codes.items():
        mp[k] = v
    mp["desil"] = pop.hh_desil[mp["hh"].to_numpy(), mp["p"].to_numpy()]
    mp["desa"] = pop.hh_desa[mp["hh"].to_numpy(), mp["p"].to_numpy()]
    w.mp = mp
    log.info("population: %d households, %d persons, %d person-period rows", h, n, len(mp))


def family_table(w: World, p: int) -> pd.DataFrame:
    """Families listed in period ``p`` with their representatives.

    Columns: fam, hh, nuk, desil, desa, size, comp (has a PKH component), head (person),
    head_m (membership), wife (person or -1), wife_m, komponen (text).
    """
    mp = w.mp[w.mp["p"] == p]
    fem = w.P["female"].to_numpy()[mp["person"].to_numpy()]
    age = mp["age"].to_numpy()
    comp_kid = age < 6
    comp_sch = (mp["Partisipasi_sekolah"].to_numpy() == 1)
    comp_old = age >= 60
    comp_dis = mp["Jenis_cacat"].to_numpy() > 0
    comp_preg = mp["Sta_hamil"].to_numpy() == 1
    pend = mp["Pendidikan_tertinggi"].to_numpy()
    df = pd.DataFrame(
        {
            "fam": mp["fam"].to_numpy(),
            "hh": mp["hh"].to_numpy(),
            "nuk": mp["nuk"].to_numpy(),
            "desil": mp["desil"].to_numpy(),
            "desa": mp["desa"].to_numpy(),
            "kid": comp_kid,
            "sd": comp_sch & np.isin(pend, [1, 2, 3]),
            "smp": comp_sch & np.isin(pend, [4, 5, 6]),
            "sma": comp_sch & np.isin(pend, [7, 8, 9]),
            "old": comp_old,
            "dis": comp_dis,
            "preg": comp_preg,
            "is_head": mp["hubkel"].to_numpy() == 1,
            "is_wife": (mp["hubkel"].to_numpy() == 2) & fem,
            "person": mp["person"].to_numpy(),
            "m": mp["m"].to_numpy(),
        }
    )
    g = df.groupby("fam", sort=True)
    out = g.agg(hh=("hh", "first"), nuk=("nuk", "first"), desil=("desil", "first"), desa=("desa", "first"),
                size=("hh", "size"), kid=("kid", "any"), sd=("sd", "any"), smp=("smp", "any"), sma=("sma", "any"),
                old=("old", "any"), dis=("dis", "any"), preg=("preg", "any")).reset_index()
    heads = df[df["is_head"]].drop_duplicates("fam").set_index("fam")
    wives = df[df["is_wife"]].drop_duplicates("fam").set_index("fam")
    out["head"] = heads["person"].reindex(out["fam"]).fillna(-1).astype(np.int64).to_numpy()
    out["head_m"] = heads["m"].reindex(out["fam"]).fillna(-1).astype(np.int64).to_numpy()
    out["wife"] = wives["person"].reindex(out["fam"]).fillna(-1).astype(np.int64).to_numpy()
    out["wife_m"] = wives["m"].reindex(out["fam"]).fillna(-1).astype(np.int64).to_numpy()
    # a family always has a head after promotion; guard anyway
    first_member = df.drop_duplicates("fam").set_index("fam")
    miss = out["head"] < 0
    out.loc[miss, "head"] = first_member["person"].reindex(out.loc[miss, "fam"]).to_numpy()
    out.loc[miss, "head_m"] = first_member["m"].reindex(out.loc[miss, "fam"]).to_numpy()
    comp = out[["kid", "sd", "smp", "sma", "old", "dis", "preg"]]
    out["comp"] = comp.any(axis=1)
    labels = {"preg": "IBU HAMIL", "kid": "ANAK USIA DINI", "sd": "ANAK SD", "smp": "ANAK SMP", "sma": "ANAK SMA",
              "dis": "DISABILITAS BERAT", "old": "LANJUT USIA"}
    txt = np.full(len(out), "", dtype=object)
    for col, lab in labels.items():
        v = out[col].to_numpy()
        txt = np.where(v, np.where(txt == "", lab, txt + ", " + lab), txt)
    out["komponen"] = txt
    return out

