"""People who are not in DTKS at all: KPM inclusion errors, disability-register entries,
households proposed in an usulan but never established.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bansos360.generate import identity as ident
from bansos360.generate.attributes import DISABILITY_CODES, DISABILITY_P, DUSUN
from bansos360.generate.names import birth_places
from bansos360.generate.params import BASE_DAY, Knobs
from bansos360.generate.reference import desa_table, desa_weights

YEAR = 365.25


def _desa(rng, n):
    return rng.choice(len(desa_table()), size=n, p=desa_weights(rng))


def individuals(rng: np.random.Generator, n: int, group: str, knobs: Knobs, female_share: float,
                age_lo: float, age_hi: float, start_id: int) -> pd.DataFrame:
    """``n`` people living alone in the data (each with own KK)."""
    female = rng.random(n) < female_share
    birth = (BASE_DAY + 800 - rng.uniform(age_lo, age_hi, n) * YEAR).astype(np.int64)
    return _finish(rng, pd.DataFrame({"female": female, "birth": birth, "group_no": np.arange(n), "hub": 1}),
                   _desa(rng, n), group, knobs, start_id)


def households(rng: np.random.Generator, n: int, group: str, knobs: Knobs, start_id: int) -> pd.DataFrame:
    """``n`` small households (head, spouse, children) sharing one KK each."""
    head_age = rng.uniform(22, 70, n)
    head_f = rng.random(n) < 0.12
    spouse = ~head_f & (rng.random(n) < 0.85)
    kids = rng.choice(4, size=n, p=[0.3, 0.3, 0.28, 0.12])
    rows = []
    g = np.arange(n)
    rows.append(pd.DataFrame({"group_no": g, "hub": 1, "female": head_f, "age": head_age}))
    rows.append(pd.DataFrame({"group_no": g[spouse], "hub": 2, "female": True,
                              "age": np.clip(head_age[spouse] - rng.uniform(-2, 7, spouse.sum()), 18, 90)}))
    kg = np.repeat(g, kids)
    rows.append(pd.DataFrame({"group_no": kg, "hub": 3, "female": rng.random(len(kg)) < 0.49,
                              "age": rng.uniform(0, 1, len(kg)) * np.clip(head_age[kg] - 20, 0.5, 25)}))
    df = pd.concat(rows, ignore_index=True).sort_values(["group_no", "hub"], kind="stable").reset_index(drop=True)
    df["birth"] = (BASE_DAY + 800 - df["age"].to_numpy() * YEAR).astype(np.int64)
    df = df.drop(columns="age")
    desa = _desa(rng, n)[df["group_no"].to_numpy()]
    return _finish(rng, df, desa, group, knobs, start_id)


def _finish(rng, df: pd.DataFrame, desa: np.ndarray, group: str, knobs: Knobs, start_id: int) -> pd.DataFrame:
    n = len(df)
    t = desa_table()
    df["group"] = group
    df["outsider_id"] = [f"X{start_id + i:07d}" for i in range(n)]
    df["desa"] = desa
    gfirst = df.groupby("group_no")["desa"].transform("first").to_numpy()
    df["desa"] = gfirst
    name, mom = ident.person_names(rng, df["female"].to_numpy(), df["birth"].to_numpy())
    df["name"] = name
    df["mother_name"] = mom
    specs = ident.nik_specs(rng, df["desa"].to_numpy(), df["birth"].to_numpy(), df["female"].to_numpy(), knobs)
    for c in ("region6", "nik_birth", "nik_female"):
        df[c] = specs[c].to_numpy()
    kec_upper = t["nama_kecamatan"].str.upper().to_numpy()[df["desa"].to_numpy()]
    df["birth_place"] = birth_places(rng, kec_upper, specs["elsewhere_name"].to_numpy())
    # one KK per group: registered in the kecamatan of the desa, between 2006 and mid 2020
    g = df["group_no"].to_numpy()
    ng = g.max() + 1 if n else 0
    reg = (BASE_DAY - 4400 + rng.random(ng) * 5200).astype(np.int64)
    df["kk_region6"] = ident.kec_region6(df["desa"].to_numpy())
    df["kk_reg"] = reg[g]
    df["dusun"] = DUSUN[rng.integers(0, len(DUSUN), ng)][g]
    df["rt"] = rng.integers(1, 13, ng)[g]
    df["rw"] = rng.integers(1, 5, ng)[g]
    df["disab"] = np.asarray(DISABILITY_CODES)[rng.choice(12, size=n, p=np.array(DISABILITY_P) / np.sum(DISABILITY_P))]
    return df
