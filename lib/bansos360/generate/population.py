"""One coherent DTKS population evolving over the five penetapan periods.

Model (all vectorised with numpy):

* Households (``IDBDT``) get a presence pattern over the periods from the seed RFM segments
  (:data:`params.SEGMENT_COUNTS`), a desa (weighted, rarely moving), and a desil path (Markov chain,
  mostly stay, some +-1, ~1 % "other": percentile > 40 or empty).
* Members are built at the first period date from household types (elderly alone, couples,
  nuclear, single parent, with a parent, with a married child's family) and then evolve between
  periods: deaths (age hazard), marriages (a member either stays and founds a new KK inside the
  household with a spouse who joins, or leaves; some leavers found a new-entrant household),
  births (to married women, into the mother's KK), head succession when the head dies.
* A *membership* is one person's stay in one household (``IDARTBDT``); a person who marries out and
  founds a new household has two memberships but one ``person_id`` (the first IDARTBDT).

Nothing here writes files; :mod:`dtks` turns the result into the ART/RT tables of each period.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bansos360.generate.params import (
    N_PERIODS,
    PERIOD_DAYS,
    SEGMENT_COUNTS,
    SEGMENT_PATTERNS,
    Knobs,
    age_at,
    scaled,
    stream,
    ymd,
)
from bansos360.generate.reference import desa_table, desa_weights

log = logging.getLogger(__name__)

BIG = np.int32(2_000_000_000)  # "never" as a day number
YEAR = 365.25
BASE = int(PERIOD_DAYS[0])

# Hub_KRT codes
HEAD, SPOUSE, CHILD, INLAW, GRANDCHILD, PARENT, HELPER, OTHER = 1, 2, 3, 4, 5, 6, 7, 8
# exit kinds of a membership
EXIT_NONE, EXIT_DEATH, EXIT_LEAVE = 0, 1, 2


def _days(years: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(years) * YEAR).astype(np.int64)


@dataclass
class Table:
    """A struct of equally long numpy arrays that can grow by concatenation."""

    cols: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(next(iter(self.cols.values()))) if self.cols else 0

    def __getitem__(self, k: str) -> np.ndarray:
        return self.cols[k]

    def __setitem__(self, k: str, v: np.ndarray) -> None:
        self.cols[k] = v

    def append(self, other: dict[str, np.ndarray]) -> np.ndarray:
        """Append rows; returns the indices of the new rows."""
        n0 = len(self)
        n1 = len(next(iter(other.values())))
        for k, v in self.cols.items():
            add = other.get(k)
            if add is None:
                add = np.full(n1, _DEFAULTS.get(k, -1), dtype=v.dtype)
            self.cols[k] = np.concatenate([v, np.asarray(add, dtype=v.dtype)])
        return np.arange(n0, n0 + n1)

    def take(self, idx: np.ndarray) -> Table:
        return Table({k: v[idx] for k, v in self.cols.items()})


_DEFAULTS = {"death": BIG, "marry": BIG, "t_out": BIG, "t_fam": BIG, "exit": EXIT_NONE}


@dataclass
class Population:
    """Result of :func:`simulate`: households, persons, memberships, families and per-period views."""

    hh: Table            # one row per household (IDBDT)
    persons: Table       # one row per person
    members: Table       # one row per membership (IDARTBDT)
    families: Table      # one row per KK
    hh_present: np.ndarray   # (H, P) bool
    hh_desa: np.ndarray      # (H, P) desa index
    hh_desil: np.ndarray     # (H, P) 0 = other, 1..4
    hh_pct: np.ndarray       # (H, P) percentile, 0 = empty
    stats: dict = field(default_factory=dict)  # event counts of the simulation


# --------------------------------------------------------------------------- households
def _presence(rng: np.random.Generator, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(presence matrix, segment letters) for all households ever in DTKS."""
    total = sum(SEGMENT_COUNTS.values())
    n_total = scaled(total, scale)
    raw = np.array([SEGMENT_COUNTS[s] * n_total / total for s in SEGMENT_COUNTS])
    counts = np.floor(raw).astype(int)
    counts[np.argsort(-(raw - counts))[: n_total - counts.sum()]] += 1
    pats, segs = [], []
    for seg, c in zip(SEGMENT_COUNTS, counts, strict=True):
        p = SEGMENT_PATTERNS[seg]
        keys = list(p)
        pr = np.array([p[k] for k in keys])
        pick = rng.choice(len(keys), size=c, p=pr / pr.sum())
        pats.extend(keys[i] for i in pick)
        segs.extend([seg] * c)
    order = rng.permutation(len(pats))
    pats = np.array(pats)[order]
    segs = np.array(segs, dtype=object)[order]
    present = np.array([[ch == "1" for ch in s] for s in pats], dtype=bool).reshape(-1, N_PERIODS)
    return present, segs


def _desil_paths(rng: np.random.Generator, present: np.ndarray, knobs: Knobs) -> tuple[np.ndarray, np.ndarray]:
    """Desil (0 = other) and percentile (0 = empty) per household and period."""
    h = len(present)
    other = knobs.desil_other_share
    init = np.array([other, 0.33, 0.27, 0.22, 0.17]) * np.array([1, *(4 * [(1 - other) / 0.99])])
    init = init / init.sum()
    # rows: from state 0..4 (0 = other); mostly stay, some +-1
    T = np.array(
        [
            [0.35, 0.02, 0.08, 0.20, 0.35],
            [0.002, 0.86, 0.11, 0.02, 0.008],
            [0.003, 0.09, 0.78, 0.11, 0.017],
            [0.006, 0.02, 0.10, 0.77, 0.104],
            [0.012, 0.01, 0.02, 0.11, 0.848],
        ]
    )
    T = np.clip(T, 0, None)
    T = T / T.sum(axis=1, keepdims=True)
    desil = np.zeros((h, N_PERIODS), dtype=np.int8)
    desil[:, 0] = rng.choice(5, size=h, p=init)
    cum = np.cumsum(T, axis=1)
    for p in range(1, N_PERIODS):
        u = rng.random(h)
        desil[:, p] = (u[:, None] > cum[desil[:, p - 1]]).sum(axis=1)
    # households that leave DTKS for good drift to richer desil in their last period
    last = N_PERIODS - 1 - np.argmax(present[:, ::-1], axis=1)
    leaving = last < N_PERIODS - 1
    bump = leaving & (rng.random(h) < 0.35)
    idx = np.flatnonzero(bump)
    desil[idx, last[idx]] = np.where(desil[idx, last[idx]] == 0, 0, np.minimum(desil[idx, last[idx]] + 1, 4))
    # percentile: uniform inside the desil band, kept while the desil does not change
    within = rng.integers(1, 11, size=(h, 1)).repeat(N_PERIODS, axis=1)
    rejig = rng.random((h, N_PERIODS)) < 0.15
    within = np.where(rejig, rng.integers(1, 11, size=(h, N_PERIODS)), within)
    pct = ((desil.astype(np.int16) - 1) * 10 + within).astype(np.int16)
    # "other": half percentile 41..100, half empty
    oth = desil == 0
    hi = rng.integers(41, 101, size=(h, N_PERIODS)).astype(np.int16)
    pct = np.where(oth, np.where(rng.random((h, N_PERIODS)) < 0.5, hi, 0), pct)
    return desil, pct


def _desa_paths(rng: np.random.Generator, h: int, knobs: Knobs) -> np.ndarray:
    """Desa index per household and period; every desa gets at least one household."""
    w = desa_weights(rng)
    nd = len(w)
    desa0 = rng.choice(nd, size=h, p=w)
    if h >= nd:
        desa0[rng.choice(h, size=nd, replace=False)] = np.arange(nd)
    paths = np.repeat(desa0[:, None], N_PERIODS, axis=1)
    for p in range(1, N_PERIODS):
        mv = rng.random(h) < knobs.move_rate
        if mv.any():
            paths[mv, p:] = rng.choice(nd, size=int(mv.sum()), p=w)[:, None]
    return paths.astype(np.int16)


# --------------------------------------------------------------------------- base members
def _base_members(rng: np.random.Generator, hh_ids: np.ndarray, hh_desa0: np.ndarray):
    """Members and families of households at the first period date (vectorised by role blocks)."""
    n = len(hh_ids)
    types = rng.choice(6, size=n, p=[0.135, 0.135, 0.50, 0.075, 0.075, 0.08])
    SE, EC, NU, SP, WP, WM = range(6)
    head_age = np.select(
        [types == SE, types == EC, types == NU, types == SP, types == WP, types == WM],
        [rng.uniform(60, 88, n), rng.uniform(57, 85, n), rng.uniform(23, 60, n), rng.uniform(28, 66, n),
         rng.uniform(28, 58, n), rng.uniform(46, 72, n)],
    )
    head_female = np.select(
        [types == SE, types == SP], [rng.random(n) < 0.65, rng.random(n) < 0.85], default=rng.random(n) < 0.08
    )
    has_spouse = np.isin(types, [EC, NU, WP, WM]) & ~head_female & (rng.random(n) < np.where(types == WM, 0.90, 0.97))
    spouse_age = np.clip(head_age - rng.uniform(-2, 8, n), 18, 95)
    mother_age = np.where(has_spouse, spouse_age, np.where(head_female, head_age, head_age - 4))
    n_child = np.zeros(n, dtype=int)
    kids_w = np.array([0.20, 0.33, 0.28, 0.13, 0.06])
    sel = np.isin(types, [NU, WP])
    n_child[sel] = rng.choice(5, size=sel.sum(), p=kids_w)
    sel = types == SP
    n_child[sel] = rng.choice([1, 2, 3], size=sel.sum(), p=[0.45, 0.4, 0.15])
    sel = types == WM
    n_child[sel] = rng.choice([0, 1, 2], size=sel.sum(), p=[0.5, 0.35, 0.15])
    sel = types == EC
    n_child[sel] = rng.choice([0, 1], size=sel.sum(), p=[0.85, 0.15])
    has_parent = types == WP
    parent_own_kk = has_parent & (rng.random(n) < 0.4)
    has_mc = types == WM
    n_grand = np.where(has_mc, rng.choice(4, size=n, p=[0.2, 0.4, 0.3, 0.1]), 0)
    has_other = rng.random(n) < 0.02
    has_helper = rng.random(n) < 0.001

    blocks = []  # (role, household mask/counts, ages, female, extra)

    def block(role, counts, age, female, marital, fam_slot, hubkel):
        counts = np.asarray(counts, dtype=int)
        hidx = np.repeat(np.arange(n), counts)
        blocks.append(
            dict(
                hh=hidx,
                hub=np.full(len(hidx), role, dtype=np.int8),
                age=np.asarray(age, dtype=float)[: len(hidx)] if np.ndim(age) else np.full(len(hidx), age),
                female=np.asarray(female, dtype=bool),
                marital=np.asarray(marital, dtype=np.int8),
                fam_slot=np.full(len(hidx), fam_slot, dtype=np.int8),
                hubkel=np.asarray(hubkel, dtype=np.int8),
            )
        )

    # head
    widow_status = np.where(rng.random(n) < 0.8, 4, 3)
    head_marital = np.where(types == SE, np.where(rng.random(n) < 0.05, 1, widow_status), widow_status)
    head_marital = np.where(has_spouse, 2, head_marital).astype(np.int8)
    block(HEAD, np.ones(n), head_age, head_female, head_marital, 0, np.ones(n))
    # spouse
    m = has_spouse
    block(SPOUSE, m, spouse_age[m], np.ones(m.sum(), bool), np.full(m.sum(), 2), 0, np.full(m.sum(), 2))
    # unmarried children
    ch_h = np.repeat(np.arange(n), n_child)
    ma = mother_age[ch_h]
    cap = np.where(types[ch_h] == WM, 30, 34)
    hi = np.clip(np.minimum(ma - 17, cap), 0.3, None)
    ch_age = rng.uniform(0, 1, len(ch_h)) * hi
    block(CHILD, n_child, ch_age, rng.random(len(ch_h)) < 0.49, np.ones(len(ch_h)), 0, np.full(len(ch_h), 3))
    # parent of head
    m = has_parent
    pa = np.clip(head_age[m] + rng.uniform(20, 34, m.sum()), 45, 97)
    block(PARENT, m, pa, rng.random(m.sum()) < 0.72, np.where(rng.random(m.sum()) < 0.9, 4, 2),
          0, np.full(m.sum(), 6))
    # married child + in-law + grandchildren (second family)
    m = has_mc
    mc_age = np.clip(mother_age[m] - rng.uniform(19, 32, m.sum()), 19, 45)
    mc_female = rng.random(m.sum()) < 0.55
    block(CHILD, m, mc_age, mc_female, np.full(m.sum(), 2), 1, np.where(mc_female, 2, 1))
    il_age = np.clip(mc_age + rng.uniform(-4, 4, m.sum()) + np.where(mc_female, 2, -2), 18, 60)
    block(INLAW, m, il_age, ~mc_female, np.full(m.sum(), 2), 1, np.where(mc_female, 1, 2))
    g_h = np.repeat(np.arange(n), n_grand)
    # grandchildren age limited by the younger parent (mapped through the married child block)
    mc_lookup = np.full(n, np.nan)
    mc_lookup[np.flatnonzero(m)] = np.minimum(mc_age, il_age)
    g_hi = np.clip(mc_lookup[g_h] - 18, 0.3, 20)
    block(GRANDCHILD, n_grand, rng.uniform(0, 1, len(g_h)) * g_hi, rng.random(len(g_h)) < 0.49,
          np.ones(len(g_h)), 1, np.full(len(g_h), 3))
    # other relative / helper
    m = has_other
    oa = rng.uniform(4, 70, m.sum())
    block(OTHER, m, oa, rng.random(m.sum()) < 0.5, np.where(oa < 25, 1, 4), 0, np.full(m.sum(), 8))
    m = has_helper
    block(HELPER, m, rng.uniform(18, 60, m.sum()), np.ones(m.sum(), bool), np.ones(m.sum()), 0, np.full(m.sum(), 8))

    cat = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    # parent with own KK: separate family slot 2 (NUK 2), family head
    is_par = cat["hub"] == PARENT
    own = is_par & parent_own_kk[cat["hh"]]
    cat["fam_slot"][own] = 2
    cat["hubkel"][own] = 1
    # stable order: household, then block order
    order = np.argsort(cat["hh"], kind="stable")
    cat = {k: v[order] for k, v in cat.items()}
    # jitter birth date inside the year; elderly births heaped on 1 July / 31 December
    birth = BASE - _days(cat["age"]) - rng.integers(0, 365, len(order))
    y, _, _ = ymd(birth)
    heap = (y < 1960) & (rng.random(len(order)) < 0.3)
    heap_day = np.where(rng.random(len(order)) < 0.5, (np.datetime64("1970-07-01") - np.datetime64("1970-01-01")).astype(int), 364)
    jan1 = (np.array(y - 1970, dtype="int64").astype("datetime64[Y]").astype("datetime64[D]")).astype(np.int64)
    birth = np.where(heap, jan1 + heap_day, birth)
    cat["birth"] = birth.astype(np.int32)
    cat["hh"] = hh_ids[cat["hh"]]
    # spouse links: head<->spouse (fam 0), married child<->in-law (fam 1)
    return cat, types


def _family_key(hh: np.ndarray, slot: np.ndarray) -> np.ndarray:
    return hh.astype(np.int64) * 4 + slot


# --------------------------------------------------------------------------- simulation
_DEATH_Q = [(0, 1, 0.004), (1, 15, 0.0005), (15, 40, 0.0012), (40, 50, 0.003), (50, 60, 0.007), (60, 70, 0.018),
            (70, 80, 0.045), (80, 90, 0.11), (90, 200, 0.22)]
_BIRTH_R = [(15, 20, 0.05), (20, 30, 0.115), (30, 35, 0.085), (35, 40, 0.05), (40, 46, 0.015)]


def _rate(age: np.ndarray, table) -> np.ndarray:
    r = np.zeros(len(age))
    for lo, hi, v in table:
        r[(age >= lo) & (age < hi)] = v
    return r


def simulate(seed: int, scale: float, knobs: Knobs) -> Population:
    """Build households and persons and let them evolve over the periods."""
    rng = stream(seed, "population")
    present, segs = _presence(rng, scale)
    h = len(present)
    desa = _desa_paths(rng, h, knobs)
    desil, pct = _desil_paths(rng, present, knobs)
    first = np.argmax(present, axis=1)
    last = N_PERIODS - 1 - np.argmax(present[:, ::-1], axis=1)

    base, hh_types = _base_members(rng, np.arange(h), desa[:, 0])
    nb = len(base["hh"])
    # persons
    persons = Table(
        {
            "female": base["female"].copy(),
            "birth": base["birth"].copy(),
            "death": np.full(nb, BIG, dtype=np.int32),
            "marital0": base["marital"].copy(),
            "marry": np.full(nb, BIG, dtype=np.int32),
            "spouse": np.full(nb, -1, dtype=np.int32),
            "mother": np.full(nb, -1, dtype=np.int32),
            "home_desa": desa[base["hh"], 0].astype(np.int16),
            "from_outside": np.zeros(nb, dtype=bool),
            "donor": np.zeros(nb, dtype=bool),
        }
    )
    # families: slot 0 (head's), 1 (married child), 2 (parent with own KK)
    fkey = _family_key(base["hh"], base["fam_slot"])
    ukeys, fam_idx = np.unique(fkey, return_inverse=True)
    f_hh = (ukeys // 4).astype(np.int32)
    f_slot = (ukeys % 4).astype(np.int8)
    nf = len(ukeys)
    # registration date: after the family head turned 20, not before 2004, before the first period
    fam_head_birth = np.zeros(nf, dtype=np.int64)
    np.maximum.at(fam_head_birth, fam_idx, np.where(base["hubkel"] == 1, base["birth"], 0))
    lo = np.maximum(fam_head_birth + _days(20), (np.datetime64("2004-01-01") - np.datetime64("1970-01-01")).astype(int))
    lo = np.minimum(lo, BASE - 60)
    reg = lo + (rng.random(nf) * (BASE - 30 - lo)).astype(np.int64)
    families = Table({"hh": f_hh, "reg": reg.astype(np.int32), "slot": f_slot})

    members = Table(
        {
            "hh": base["hh"].astype(np.int32),
            "person": np.arange(nb, dtype=np.int32),
            "hub": base["hub"].copy(),
            "t_in": np.full(nb, -BIG, dtype=np.int32),
            "t_out": np.full(nb, BIG, dtype=np.int32),
            "exit": np.zeros(nb, dtype=np.int8),
            "fam_a": fam_idx.astype(np.int32),
            "hubkel_a": base["hubkel"].copy(),
            "fam_b": np.full(nb, -1, dtype=np.int32),
            "hubkel_b": np.full(nb, -1, dtype=np.int8),
            "t_fam": np.full(nb, BIG, dtype=np.int32),
            "void": np.zeros(nb, dtype=bool),
        }
    )
    # spouse and mother links inside base households
    hh_arr, hub = base["hh"], base["hub"]
    starts = np.r_[0, np.flatnonzero(np.diff(hh_arr)) + 1]
    head_pos = np.full(h, -1)
    head_pos[hh_arr[starts]] = starts  # head block comes first in every household
    sp_pos = np.full(h, -1)
    sel = np.flatnonzero(hub == SPOUSE)
    sp_pos[hh_arr[sel]] = sel
    has = sp_pos >= 0
    persons["spouse"][head_pos[has]] = sp_pos[has]
    persons["spouse"][sp_pos[has]] = head_pos[has]
    mc_pos = np.full(h, -1)
    sel = np.flatnonzero((hub == CHILD) & (base["fam_slot"] == 1))
    mc_pos[hh_arr[sel]] = sel
    il_pos = np.full(h, -1)
    sel = np.flatnonzero(hub == INLAW)
    il_pos[hh_arr[sel]] = sel
    has = (mc_pos >= 0) & (il_pos >= 0)
    persons["spouse"][mc_pos[has]] = il_pos[has]
    persons["spouse"][il_pos[has]] = mc_pos[has]
    female = base["female"]
    mother_of_children = np.where(
        (sp_pos >= 0) & female[np.maximum(sp_pos, 0)], sp_pos, np.where(female[head_pos], head_pos, -1)
    )
    kids = np.flatnonzero((hub == CHILD) & (base["fam_slot"] == 0))
    persons["mother"][kids] = mother_of_children[hh_arr[kids]]
    mother_of_grand = np.where(has, np.where(female[np.maximum(mc_pos, 0)], mc_pos, il_pos), -1)
    gk = np.flatnonzero(hub == GRANDCHILD)
    persons["mother"][gk] = mother_of_grand[hh_arr[gk]]

    is_split = np.zeros(h, dtype=bool)
    stats = {"deaths": 0, "births": 0, "marriages_stay": 0, "marriages_leave": 0, "splits": 0}
    for k in range(N_PERIODS - 1):
        d0, d1 = int(PERIOD_DAYS[k]), int(PERIOD_DAYS[k + 1])
        span = d1 - d0
        dt_y = span / YEAR
        act = (members["t_in"] <= d0) & (members["t_out"] > d0) & ~members["void"]
        act &= persons["death"][members["person"]] > d0
        # deaths ------------------------------------------------------------
        mi = np.flatnonzero(act)
        pi = members["person"][mi]
        age = (d0 - persons["birth"][pi]) / YEAR
        q = _rate(age, _DEATH_Q) * dt_y * knobs.death_rate_scale
        die = rng.random(len(mi)) < q
        dday = d0 + 1 + (rng.random(die.sum()) * (span - 1)).astype(np.int32)
        persons["death"][pi[die]] = dday
        members["t_out"][mi[die]] = np.minimum(members["t_out"][mi[die]], dday)
        members["exit"][mi[die]] = EXIT_DEATH
        stats["deaths"] += int(die.sum())
        # marriages ---------------------------------------------------------
        never = (persons["marital0"][pi] == 1) & (persons["marry"][pi] == BIG)
        hubs = members["hub"][mi]
        elig = ~die & never & (age >= 19) & (age < 40) & np.isin(hubs, [CHILD, OTHER])
        pm = knobs.marriage_rate * dt_y * np.where(age < 30, 1.2, 0.6)
        wed = elig & (rng.random(len(mi)) < pm)
        w_m, w_p = mi[wed], pi[wed]
        mday = d0 + 1 + (rng.random(len(w_m)) * (span - 40)).astype(np.int32)
        persons["marry"][w_p] = mday
        stay = rng.random(len(w_m)) < 0.4
        stats["marriages_stay"] += int(stay.sum())
        stats["marriages_leave"] += int((~stay).sum())
        # leavers
        lm, lp, lday = w_m[~stay], w_p[~stay], mday[~stay]
        members["t_out"][lm] = lday
        members["exit"][lm] = EXIT_LEAVE
        # stayers: spouse joins, new KK inside the household
        sm, sp, sday = w_m[stay], w_p[stay], mday[stay]
        if len(sm):
            reg_s = np.minimum(sday + rng.integers(0, 30, len(sm)), d1 - 1).astype(np.int32)
            new_p = _new_spouses(rng, persons, sp, sday, desa[members["hh"][sm], k], knobs)
            fam_new = families.append({"hh": members["hh"][sm], "reg": reg_s, "slot": np.full(len(sm), 3, np.int8)})
            stayer_f = persons["female"][sp]
            members["fam_b"][sm] = fam_new
            members["hubkel_b"][sm] = np.where(stayer_f, 2, 1)
            members["t_fam"][sm] = reg_s
            members.append(
                {
                    "hh": members["hh"][sm],
                    "person": new_p.astype(np.int32),
                    "hub": np.where(members["hub"][sm] == CHILD, INLAW, OTHER).astype(np.int8),
                    "t_in": reg_s,
                    "t_out": np.full(len(sm), BIG, np.int32),
                    "exit": np.zeros(len(sm), np.int8),
                    "fam_a": fam_new.astype(np.int32),
                    "hubkel_a": np.where(stayer_f, 1, 2).astype(np.int8),
                    "fam_b": np.full(len(sm), -1, np.int32),
                    "hubkel_b": np.full(len(sm), -1, np.int8),
                    "t_fam": np.full(len(sm), BIG, np.int32),
                    "void": np.zeros(len(sm), bool),
                }
            )
        # splits: some leavers found a household that enters DTKS in the next period
        entrants = np.flatnonzero((first == k + 1) & ~is_split)
        n_split = min(int(round(knobs.split_share_of_entrants * len(entrants))), len(lm))
        if n_split:
            tgt = rng.choice(entrants, size=n_split, replace=False)
            pick = rng.choice(len(lm), size=n_split, replace=False)
            dp, dday_ = lp[pick], lday[pick]
            is_split[tgt] = True
            persons["donor"][dp] = True
            stats["splits"] += n_split
            # the generated base members of these households never existed
            members["void"][np.isin(members["hh"], tgt)] = True
            reg_s = np.minimum(dday_ + rng.integers(0, 30, n_split), d1 - 1).astype(np.int32)
            fam_new = families.append({"hh": tgt.astype(np.int32), "reg": reg_s, "slot": np.zeros(n_split, np.int8)})
            new_p = _new_spouses(rng, persons, dp, dday_, desa[tgt, k], knobs)
            df = persons["female"][dp]
            for who, hub_code, hk in ((dp, HEAD, np.where(df, 2, 1)), (new_p, SPOUSE, np.where(df, 1, 2))):
                members.append(
                    {
                        "hh": tgt.astype(np.int32),
                        "person": who.astype(np.int32),
                        "hub": np.full(n_split, hub_code, np.int8),
                        "t_in": reg_s,
                        "t_out": np.full(n_split, BIG, np.int32),
                        "exit": np.zeros(n_split, np.int8),
                        "fam_a": fam_new.astype(np.int32),
                        "hubkel_a": hk.astype(np.int8),
                        "fam_b": np.full(n_split, -1, np.int32),
                        "hubkel_b": np.full(n_split, -1, np.int8),
                        "t_fam": np.full(n_split, BIG, np.int32),
                        "void": np.zeros(n_split, bool),
                    }
                )
        # births --------------------------------------------------------------
        act2 = (members["t_in"] < d1) & (members["t_out"] > d0) & ~members["void"]
        mi = np.flatnonzero(act2)
        pi = members["person"][mi]
        fem = persons["female"][pi]
        married = (persons["marital0"][pi] == 2) | (persons["marry"][pi] < d1)
        lo_d = np.maximum.reduce([np.full(len(mi), d0), members["t_in"][mi].astype(np.int64),
                                  np.where(persons["marry"][pi] < BIG, persons["marry"][pi].astype(np.int64) + 270, d0)])
        hi_d = np.minimum.reduce([np.full(len(mi), d1), members["t_out"][mi].astype(np.int64), persons["death"][pi].astype(np.int64)])
        age = (d0 - persons["birth"][pi]) / YEAR
        elig = fem & married & (hi_d - lo_d > 20) & (age >= 15) & (age < 46)
        r = _rate(age, _BIRTH_R) * knobs.birth_rate_scale * (hi_d - lo_d) / YEAR
        born = elig & (rng.random(len(mi)) < r)
        bm, bp = mi[born], pi[born]
        if len(bm):
            bday = (lo_d[born] + rng.random(len(bm)) * (hi_d[born] - lo_d[born] - 1)).astype(np.int32)
            nbn = len(bm)
            kid = persons.append(
                {
                    "female": rng.random(nbn) < 0.49,
                    "birth": bday,
                    "death": np.full(nbn, BIG, np.int32),
                    "marital0": np.ones(nbn, np.int8),
                    "marry": np.full(nbn, BIG, np.int32),
                    "spouse": np.full(nbn, -1, np.int32),
                    "mother": bp.astype(np.int32),
                    "home_desa": desa[members["hh"][bm], k + 1].astype(np.int16),
                    "from_outside": np.zeros(nbn, bool),
                    "donor": np.zeros(nbn, bool),
                }
            )
            use_b = (members["fam_b"][bm] >= 0) & (members["t_fam"][bm] <= bday)
            fam = np.where(use_b, members["fam_b"][bm], members["fam_a"][bm])
            mhub = members["hub"][bm]
            members.append(
                {
                    "hh": members["hh"][bm],
                    "person": kid.astype(np.int32),
                    "hub": np.select([np.isin(mhub, [HEAD, SPOUSE]), np.isin(mhub, [CHILD, INLAW])], [CHILD, GRANDCHILD], OTHER).astype(np.int8),
                    "t_in": bday,
                    "t_out": np.full(nbn, BIG, np.int32),
                    "exit": np.zeros(nbn, np.int8),
                    "fam_a": fam.astype(np.int32),
                    "hubkel_a": np.full(nbn, 3, np.int8),
                    "fam_b": np.full(nbn, -1, np.int32),
                    "hubkel_b": np.full(nbn, -1, np.int8),
                    "t_fam": np.full(nbn, BIG, np.int32),
                    "void": np.zeros(nbn, bool),
                }
            )
            stats["births"] += nbn
    log.debug("population events %s", stats)

    # drop void memberships (base members of split households) and persons only they referenced
    keep = ~members["void"]
    members = members.take(np.flatnonzero(keep))
    used = np.zeros(len(persons), dtype=bool)
    used[members["person"]] = True
    remap = np.cumsum(used) - 1
    persons = persons.take(np.flatnonzero(used))
    members["person"] = remap[members["person"]].astype(np.int32)
    for col in ("spouse", "mother"):
        v = persons[col]
        ok = v >= 0
        ok[ok] = used[v[ok]]
        persons[col] = np.where(ok, remap[np.maximum(v, 0)], -1).astype(np.int32)

    _fix_empty(members, persons, present)

    hh = Table(
        {
            "segment": segs,
            "first": first.astype(np.int8),
            "last": last.astype(np.int8),
            "split": is_split,
            "type": hh_types.astype(np.int8),
        }
    )
    return Population(hh=hh, persons=persons, members=members, families=families, hh_present=present,
                      hh_desa=desa, hh_desil=desil, hh_pct=pct, stats=stats)


def _new_spouses(rng, persons: Table, partner: np.ndarray, mday: np.ndarray, desa_idx: np.ndarray, knobs: Knobs) -> np.ndarray:
    """Create the spouses (from outside DTKS) of ``partner`` persons marrying on ``mday``."""
    n = len(partner)
    pf = persons["female"][partner]
    pb = persons["birth"][partner]
    birth = (pb + np.where(pf, -1, 1) * _days(rng.uniform(-1, 6, n)) + rng.integers(-120, 120, n)).astype(np.int32)
    idx = persons.append(
        {
            "female": ~pf,
            "birth": birth,
            "death": np.full(n, BIG, np.int32),
            "marital0": np.ones(n, np.int8),
            "marry": mday.astype(np.int32),
            "spouse": partner.astype(np.int32),
            "mother": np.full(n, -1, np.int32),
            "home_desa": desa_idx.astype(np.int16),
            "from_outside": rng.random(n) < 0.15,
            "donor": np.zeros(n, bool),
        }
    )
    persons["spouse"][partner] = idx
    return idx


def _fix_empty(members: Table, persons: Table, present: np.ndarray) -> None:
    """A household listed in a period must have a member: undo the exit that emptied it."""
    for _ in range(4):
        pres = _membership_presence(members, persons, present)
        h = len(present)
        cnt = np.zeros((h, N_PERIODS), dtype=np.int32)
        for p in range(N_PERIODS):
            np.add.at(cnt[:, p], members["hh"][pres[:, p]], 1)
        empty = present & (cnt == 0)
        if not empty.any():
            return
        hh_e, p_e = np.nonzero(empty)
        dp = PERIOD_DAYS[p_e]
        df = pd.DataFrame({"hh": hh_e, "d": dp})
        m = pd.DataFrame(
            {
                "hh": members["hh"],
                "m": np.arange(len(members)),
                "t_in": members["t_in"],
                "t_out": members["t_out"],
                "exit": members["exit"],
                "donor": persons["donor"][members["person"]],
            }
        )
        j = df.merge(m, on="hh")
        j = j[(j["t_in"] <= j["d"]) & (j["exit"] != EXIT_NONE) & ~((j["exit"] == EXIT_LEAVE) & j["donor"])]
        j = j.sort_values(["hh", "d", "exit", "t_out"], ascending=[True, True, True, False]).drop_duplicates(["hh", "d"])
        mm = j["m"].to_numpy()
        if len(mm) == 0:
            break
        persons["death"][members["person"][mm]] = BIG
        members["t_out"][mm] = BIG
        members["exit"][mm] = EXIT_NONE
    pres = _membership_presence(members, persons, present)
    cnt = np.zeros((len(present), N_PERIODS), dtype=np.int32)
    for p in range(N_PERIODS):
        np.add.at(cnt[:, p], members["hh"][pres[:, p]], 1)
    still = present & (cnt == 0)
    if still.any():
        log.warning("%d household-periods without members dropped", int(still.sum()))
        present[still] = False


def _membership_presence(members: Table, persons: Table, present: np.ndarray) -> np.ndarray:
    """(M, P) bool: membership listed in the period's DTKS."""
    d = PERIOD_DAYS[None, :]
    alive = persons["death"][members["person"]][:, None] > d
    return present[members["hh"]] & (members["t_in"][:, None] <= d) & (members["t_out"][:, None] > d) & alive


# --------------------------------------------------------------------------- ids and period view
def assign_ids(pop: Population, rng: np.random.Generator) -> None:
    """IDBDT per household, member numbers and IDARTBDT per membership, person_id per person."""
    t = desa_table()
    h = len(pop.hh_present)
    first = pop.hh["first"]
    desa_first = pop.hh_desa[np.arange(h), first]
    order = np.lexsort((rng.random(h), first, desa_first))
    rank = np.empty(h, dtype=np.int64)
    sd = desa_first[order]
    start = np.r_[True, sd[1:] != sd[:-1]]
    gs = np.maximum.accumulate(np.where(start, np.arange(h), 0))
    rank[order] = np.arange(h) - gs
    serial = 10_000_000 + rank * 40 + rng.integers(0, 40, h)
    code = t["kode_bps"].to_numpy()[desa_first]
    pop.hh["idbdt"] = (code.astype(object) + np.char.zfill(serial.astype(str), 8).astype(object)).astype(object)
    pop.hh["kode_bps_first"] = code.astype(object)

    m = pop.members
    order = np.lexsort((np.arange(len(m)), m["t_in"], m["hh"]))
    hs = m["hh"][order]
    start = np.r_[True, hs[1:] != hs[:-1]]
    gs = np.maximum.accumulate(np.where(start, np.arange(len(m)), 0))
    mno = np.empty(len(m), dtype=np.int32)
    mno[order] = np.arange(len(m)) - gs + 1
    m["member_no"] = mno
    m["idartbdt"] = (pop.hh["idbdt"][m["hh"]] + np.char.zfill(mno.astype(str), 2).astype(object)).astype(object)
    # person_id: IDARTBDT of the person's first membership
    firstm = pd.DataFrame({"p": m["person"], "t": m["t_in"], "i": np.arange(len(m))}).sort_values(["p", "t", "i"]).drop_duplicates("p")
    pid = np.empty(len(pop.persons), dtype=object)
    pid[firstm["p"].to_numpy()] = m["idartbdt"][firstm["i"].to_numpy()]
    pop.persons["person_id"] = pid
    pop.persons["first_hh"] = np.zeros(len(pop.persons), dtype=np.int32)
    pop.persons["first_hh"][firstm["p"].to_numpy()] = m["hh"][firstm["i"].to_numpy()]


def member_periods(pop: Population) -> pd.DataFrame:
    """One row per membership and period in which it is listed, with period-dependent roles.

    Columns: m, p, hh, person, hub (Hub_KRT after head succession), fam (family index),
    hubkel (after family-head succession), nuk, age, marital (Sta_kawin), new (joined since the
    previous period).
    """
    m, persons = pop.members, pop.persons
    pres = _membership_presence(m, persons, pop.hh_present)
    mi, pi = np.nonzero(pres)
    d = PERIOD_DAYS[pi]
    person = m["person"][mi]
    use_b = (m["fam_b"][mi] >= 0) & (m["t_fam"][mi] <= d)
    fam = np.where(use_b, m["fam_b"][mi], m["fam_a"][mi])
    hubkel = np.where(use_b, m["hubkel_b"][mi], m["hubkel_a"][mi]).astype(np.int8)
    age = age_at(persons["birth"][person], d)
    # Sta_kawin at the period date: 2 once married; 4 when the spouse died since
    marital = np.where(persons["marry"][person] <= d, 2, persons["marital0"][person]).astype(np.int8)
    sp = persons["spouse"][person]
    sp_dead = (sp >= 0) & (persons["death"][np.maximum(sp, 0)] <= d)
    marital = np.where((marital == 2) & sp_dead, 4, marital).astype(np.int8)
    prev_d = np.where(pi > 0, PERIOD_DAYS[np.maximum(pi - 1, 0)], -BIG)
    df = pd.DataFrame(
        {
            "m": mi.astype(np.int32),
            "p": pi.astype(np.int8),
            "hh": m["hh"][mi],
            "person": person,
            "hub": m["hub"][mi],
            "fam": fam.astype(np.int32),
            "hubkel": hubkel,
            "age": age.astype(np.int16),
            "marital": marital,
            "new": (m["t_in"][mi] > prev_d) & (pi > 0),
        }
    )
    df["hub"] = _promote(df, ["hh", "p"], "hub")
    df["hubkel"] = _promote(df, ["fam", "p"], "hubkel")
    # NUK: the head's family first, then by registration date
    famreg = pop.families["reg"][df["fam"].to_numpy()]
    head_fam = df["hub"].to_numpy() == HEAD
    key = pd.DataFrame({"hh": df["hh"], "p": df["p"], "fam": df["fam"], "isH": head_fam, "reg": famreg})
    fams = key.groupby(["hh", "p", "fam"], sort=False).agg(isH=("isH", "max"), reg=("reg", "first")).reset_index()
    fams = fams.sort_values(["hh", "p", "isH", "reg", "fam"], ascending=[True, True, False, True, True])
    fams["nuk"] = fams.groupby(["hh", "p"]).cumcount() + 1
    df = df.merge(fams[["hh", "p", "fam", "nuk"]], on=["hh", "p", "fam"], how="left")
    df["nuk"] = df["nuk"].astype(np.int8)
    df = df.sort_values(["p", "hh", "m"], kind="stable").reset_index(drop=True)
    return df


def _promote(df: pd.DataFrame, keys: list[str], col: str) -> np.ndarray:
    """Groups without a member coded 1 promote their spouse (code 2), else their oldest member."""
    v = df[col].to_numpy().copy()
    has1 = (v == 1)
    g = df.groupby(keys, sort=False)
    grp_has = pd.Series(has1, index=df.index).groupby([df[k] for k in keys], sort=False).transform("max").to_numpy()
    need = ~grp_has
    if need.any():
        sub = df.loc[need, keys].copy()
        sub["score"] = (v[need] == 2) * 1000 + df.loc[need, "age"].to_numpy()
        best = sub.sort_values("score", ascending=False, kind="stable").drop_duplicates(keys).index.to_numpy()
        v[best] = 1
    del g
    return v
