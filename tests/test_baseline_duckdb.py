"""The DuckDB baseline's figures against the generator's ground truth (``<raw>/_truth``), and the
comparison logic of the cross-check. No Spark."""

import re
from collections import Counter

import pandas as pd
import pytest

from bansos360.baseline_duckdb import EXACT_FIGURES, NO_DESIL, compare, run_baseline


@pytest.fixture(scope="module")
def base(gen_messy):
    raw, _ = gen_messy
    return raw, run_baseline(raw)


def _truth(raw, name):
    return pd.read_parquet(raw / "_truth" / f"{name}.parquet")


def _split(fig: dict, n: int) -> dict:
    return {tuple(k.split("|")[:n]): v for k, v in fig.items()}


def test_stages_timed_and_rows(base):
    _, r = base
    assert set(r["seconds"]) == {"read", "transform", "marts", "total"}
    assert r["periods"] == sorted(r["periods"]) and r["latest_period"] == r["periods"][-1]
    assert min(r["rows"].values()) > 0
    assert set(EXACT_FIGURES) <= set(r["figures"])


def test_rfm_segments_equal_truth(base):
    raw, r = base
    seg = Counter()
    for k, v in r["figures"]["rfm"].items():
        seg[k.split("|")[0]] += v
    hh = _truth(raw, "households")
    assert dict(seg) == hh["segment"].value_counts().to_dict()
    # desil band of the last period seen (desil 0 in the truth = none), whatever the earlier periods say
    hp = _truth(raw, "household_periods").set_index(["household_id", "period"])["desil"]
    bands = {1: "Desil 1-2", 2: "Desil 1-2", 3: "Desil 3-4", 4: "Desil 3-4"}
    last = [bands.get(int(hp[(h, p)]), NO_DESIL) for h, p in zip(hh["household_id"], hh["last_period"], strict=True)]
    want = Counter(zip(hh["segment"], last, strict=True))
    assert _split(r["figures"]["rfm"], 2) == dict(want)


def test_dtks_counts_per_period_and_desa_equal_truth(base):
    raw, r = base
    dd = r["figures"]["dtks_desa"]
    hp, pp = _truth(raw, "household_periods"), _truth(raw, "person_periods")
    def metric(m):
        return {k[:2]: v for k, v in _split(dd, 3).items() if k[2] == m and v}
    assert metric("jumlah_rumah_tangga") == hp.groupby(["period", "kode_bps"]).size().to_dict()
    assert metric("jumlah_individu") == pp.groupby(["period", "kode_bps"]).size().to_dict()
    assert metric("jumlah_keluarga") == pp.groupby(["period", "kode_bps"])["no_kk"].nunique().to_dict()


def test_desil_movement_equal_truth(base):
    raw, r = base
    hp = _truth(raw, "household_periods")
    periods = r["periods"]
    want = Counter()
    for prev, cur in zip(periods, periods[1:], strict=False):
        a = hp[hp.period == prev].set_index("household_id")
        b = hp[hp.period == cur].set_index("household_id")
        for h in a.index.union(b.index):
            if h not in a.index:
                s, desa = "baru", b.at[h, "kode_bps"]
            elif h not in b.index:
                s, desa = "graduasi", a.at[h, "kode_bps"]
            else:
                d0, d1 = a.at[h, "desil"], b.at[h, "desil"]
                desa = b.at[h, "kode_bps"]
                s = ("tanpa_desil" if not d0 or not d1 else "naik" if d1 > d0 else "tetap" if d1 == d0 else "turun")
            want[(cur, desa, s)] += 1
    assert _split(r["figures"]["pergerakan_desil"], 3) == dict(want)


def _valid_nik(written, cell_type) -> bool:
    """The NIK rule written independently: 16 digits after cleaning, text cell, no placeholder."""
    if written is None or cell_type == "number":
        return False
    s = re.sub(r"[\s.\-,_]", "", str(written).strip().lstrip("'"))
    return bool(re.fullmatch(r"\d{16}", s)) and len(set(s)) > 1 and s != "1234567890123456"


def test_kpm_records_and_valid_nik_equal_truth(base):
    raw, r = base
    rec = _truth(raw, "records")
    rec = rec[rec["source"].str.startswith("kpm:")].assign(program=lambda d: d["source"].str[4:])
    rec["valid"] = [_valid_nik(w, c) for w, c in zip(rec["nik_written"], rec["nik_cell_type"], strict=True)]
    got = _split(r["figures"]["kpm_records"], 2)
    for prog, g in rec.groupby("program"):
        assert got[(prog, "jumlah_kpm")] == len(g), prog
        assert got[(prog, "nik_valid")] == int(g["valid"].sum()), prog
        assert got[(prog, "float_lost_digits")] == int((g["nik_cell_type"] == "number").sum()), prog
        cleaned = {re.sub(r"[\s.\-,_]", "", str(w).strip().lstrip("'")) for w in g.loc[g["valid"], "nik_written"]}
        assert r["figures"]["kpm_nik_unik"][prog] == len(cleaned)


def test_desil_kpm_uses_latest_period_bands(base):
    _, r = base
    fig = r["figures"]["desil_kpm_nik_latest"]
    assert fig and all(k.split("|")[1] in ("Desil 1-2", "Desil 3-4", NO_DESIL) for k in fig)
    found = sum(fig.values())
    valid = sum(v for k, v in r["figures"]["kpm_records"].items() if k.endswith("|nik_valid"))
    assert 0 < found <= valid


def test_compare_exact_and_tolerance():
    base = {"kpm_records": {"PKH|jumlah_kpm": 10}, "desil_kpm_nik_latest": {"PKH|Desil 1-2": 100}}
    same = compare({"kpm_records": {"PKH|jumlah_kpm": 10}, "desil_kpm_nik_latest": {"PKH|Desil 1-2": 98}}, base)
    assert same["kpm_records"]["equal"] and same["desil_kpm_nik_latest"]["ok"]
    assert not same["desil_kpm_nik_latest"]["equal"] and same["all_ok"]
    small = compare({"desil_kpm_nik_latest": {"PKH|Desil 1-2": 1000, "PKH|Tanpa desil": 3}},
                    {"desil_kpm_nik_latest": {"PKH|Desil 1-2": 1000, "PKH|Tanpa desil": 7}})
    assert small["desil_kpm_nik_latest"]["ok"]          # 4 records on a small cell: within the slack
    bad = compare({"kpm_records": {"PKH|jumlah_kpm": 11}, "desil_kpm_nik_latest": {"PKH|Desil 1-2": 50}}, base)
    assert not bad["kpm_records"]["ok"] and bad["kpm_records"]["examples"]["PKH|jumlah_kpm"] == {"spark": 11,
                                                                                                "duckdb": 10}
    assert not bad["desil_kpm_nik_latest"]["ok"] and not bad["all_ok"]
