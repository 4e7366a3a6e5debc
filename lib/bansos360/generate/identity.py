"""Names, birth places and the NIK / No KK numbers of everybody (DTKS persons and outsiders).

NIK serials must be unique within (region, birth date) across *all* people written anywhere, so
numbers are assigned in one pass after every person exists (:func:`assign_numbers`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bansos360.generate import names as nm
from bansos360.generate import nik as nikmod
from bansos360.generate.params import Knobs, ymd
from bansos360.generate.reference import desa_table

_ELSE_CODES = np.array(list(nm.ELSEWHERE_REGIONS), dtype=object)
_ELSE_NAMES = np.array(list(nm.ELSEWHERE_REGIONS.values()), dtype=object)
_ELSE_W = np.array([0.22, 0.25, 0.12, 0.1, 0.08, 0.06, 0.04, 0.06, 0.04, 0.03])


def kec_region6(desa_idx: np.ndarray) -> np.ndarray:
    """6-digit Kemendagri region (3503 + kecamatan) of desa indices, as int."""
    t = desa_table()
    return (350300 + t["kec_dagri"].astype(int).to_numpy()[desa_idx]).astype(np.int64)


def nik_specs(rng: np.random.Generator, desa_idx: np.ndarray, birth: np.ndarray, female: np.ndarray,
              knobs: Knobs, from_outside: np.ndarray | None = None, mismatch_share: float = 0.0) -> pd.DataFrame:
    """Region of first registration and the (birth date, sex) the NIK encodes.

    Returns columns region6, nik_birth, nik_female, elsewhere_name (None unless outside Trenggalek),
    mismatch (None / 'date' / 'sex' / 'year').
    """
    n = len(desa_idx)
    t = desa_table()
    region = kec_region6(desa_idx)
    u = rng.random(n)
    p_else = np.full(n, knobs.nik_elsewhere_share)
    if from_outside is not None:
        p_else = np.where(from_outside, 0.6, p_else)
    elsewhere = u < p_else
    other_kec = (~elsewhere) & (u < p_else + knobs.nik_other_kec_share)
    kecs = t["kec_dagri"].astype(int).unique()
    region = np.where(other_kec, 350300 + rng.choice(kecs, n), region)
    ei = rng.choice(len(_ELSE_CODES), n, p=_ELSE_W / _ELSE_W.sum())
    else_region = _ELSE_CODES[ei].astype(np.int64) * 100 + rng.integers(1, 21, n)
    region = np.where(elsewhere, else_region, region).astype(np.int64)
    else_name = np.where(elsewhere, _ELSE_NAMES[ei], None)

    nik_birth = np.asarray(birth, dtype=np.int64).copy()
    nik_female = np.asarray(female, dtype=bool).copy()
    mismatch = np.full(n, None, dtype=object)
    if mismatch_share > 0:
        mm = rng.random(n) < mismatch_share
        kind = rng.choice(np.array(["date", "year", "sex"], dtype=object), n, p=[0.6, 0.2, 0.2])
        y, mo, d = ymd(nik_birth)
        # 'date': another day of birth (common: 01-01 / 01-07 / 31-12 or a typo in the day)
        shift = rng.integers(1, 28, n) * np.where(rng.random(n) < 0.5, 1, -1)
        sel = mm & (kind == "date")
        nik_birth[sel] = nik_birth[sel] + shift[sel]
        sel = mm & (kind == "year")
        nik_birth[sel] = nik_birth[sel] + np.where(rng.random(sel.sum()) < 0.5, 365, -365)
        sel = mm & (kind == "sex")
        nik_female[sel] = ~nik_female[sel]
        mismatch[mm] = kind[mm]
    return pd.DataFrame({"region6": region, "nik_birth": nik_birth, "nik_female": nik_female,
                         "elsewhere_name": else_name, "mismatch": mismatch})


def assign_numbers(nik_parts: list[pd.DataFrame], kk_parts: list[pd.DataFrame], rng: np.random.Generator) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Give NIK (from region6/nik_birth/nik_female) and KK (from region6/reg) numbers, globally unique.

    Returns the NIK strings of each part of ``nik_parts`` and the KK strings of each part of ``kk_parts``.
    """
    sizes = [len(p) for p in nik_parts]
    allp = pd.concat(nik_parts, ignore_index=True)
    nums = nikmod.make_numbers(allp["region6"].to_numpy(), allp["nik_birth"].to_numpy(), rng, allp["nik_female"].to_numpy())
    niks = nikmod.to_str(nums)
    out_n = np.split(niks, np.cumsum(sizes)[:-1])
    sizes = [len(p) for p in kk_parts]
    allk = pd.concat(kk_parts, ignore_index=True)
    nums = nikmod.make_numbers(allk["region6"].to_numpy(), allk["reg"].to_numpy(), rng)
    kks = nikmod.to_str(nums)
    out_k = np.split(kks, np.cumsum(sizes)[:-1])
    if len(set(niks)) != len(niks) or len(set(kks)) != len(kks):
        raise AssertionError("NIK/KK numbers are not unique")
    return out_n, out_k


def person_names(rng: np.random.Generator, female: np.ndarray, birth: np.ndarray, mother: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(name, mother's maiden name); a mother known in the data lends her own name."""
    y, _, _ = ymd(birth)
    sex = np.where(female, 2, 1).astype(np.int8)
    name = nm.person_names(rng, sex, y)
    mom = nm.female_names(rng, y - rng.integers(18, 36, len(y)))
    if mother is not None:
        has = mother >= 0
        mom[has] = name[mother[has]]
    return name, mom
