"""Desa/kecamatan reference of Trenggalek, read from the package data (never from /work/shared)."""

from __future__ import annotations

import io
import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

# Second parts of compound desa names that field data often writes as two words
# ("SUKO WETAN" for Sukowetan); the reference always writes one word.
_COMPOUND_TAILS = (
    "wetan", "kulon", "kidul", "tengah", "lor", "gedong", "gayam", "ingin", "bening", "dadi",
    "rejo", "mulyo", "harjo", "winangun", "agung", "anyar", "sari", "soko", "putih", "prahu",
    "kerto", "anom", "wates", "gandu", "madu", "anak",
)
_TAIL_RE = re.compile(r"^(?P<head>[a-z]{3,}?)(?P<tail>" + "|".join(sorted(_COMPOUND_TAILS, key=len, reverse=True)) + r")$")

# Kecamatan whose desa are densely settled (urban core / main road): more DTKS households per desa.
_KEC_DENSITY = {"Trenggalek": 1.6, "Pogalan": 1.25, "Durenan": 1.2, "Karangan": 1.1, "Tugu": 1.05}
# Coastal kecamatan (boats, fishing).
COASTAL_KEC = {"Panggul", "Munjungan", "Watulimo"}


def _read(name: str) -> str:
    return resources.files("bansos360").joinpath("reference_data", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def desa_table() -> pd.DataFrame:
    """One row per desa with BPS and Kemendagri codes, names and split codes.

    Columns: kode_bps, kdkec (BPS 3 digits), kddesa (BPS 3 digits), kec_dagri (2-digit Kemendagri
    kecamatan code used in NIK/KK), nama_kecamatan, nama_desa, jenis, coastal, split_name (upper-case
    two-word spelling or None).
    """
    df = pd.read_csv(io.StringIO(_read("wilayah_trenggalek.csv")), dtype=str)
    out = pd.DataFrame(
        {
            "kode_bps": df["kode_bps"],
            "kdkec": df["kode_bps"].str[4:7],
            "kddesa": df["kode_bps"].str[7:10],
            "kec_dagri": df["kode_kecamatan"].str[-2:],
            "kode_kemendagri": df["kode_kemendagri"],
            "nama_kecamatan": df["nama_kecamatan"],
            "nama_desa": df["nama_desa"],
            "jenis": df["jenis"],
        }
    )
    out["coastal"] = out["nama_kecamatan"].isin(COASTAL_KEC)
    out["split_name"] = [split_compound(n) for n in out["nama_desa"]]
    return out.reset_index(drop=True)


_SPLIT_OVERRIDES = {"sumberejo": "SUMBER REJO"}


def split_compound(name: str) -> str | None:
    """'Sukowetan' -> 'SUKO WETAN'; None when the name is not a known compound."""
    if name.lower() in _SPLIT_OVERRIDES:
        return _SPLIT_OVERRIDES[name.lower()]
    m = _TAIL_RE.match(name.lower())
    if not m:
        return None
    return f"{m.group('head')} {m.group('tail')}".upper()


def desa_weights(rng: np.random.Generator) -> np.ndarray:
    """Relative number of DTKS households per desa (lognormal spread, denser kecamatan)."""
    t = desa_table()
    base = rng.lognormal(mean=0.0, sigma=0.35, size=len(t))
    dens = t["nama_kecamatan"].map(_KEC_DENSITY).fillna(1.0).to_numpy()
    w = base * dens
    return w / w.sum()


def kecamatan_names() -> list[str]:
    """Kecamatan names in reference order (Kemendagri code order)."""
    t = desa_table()
    return list(dict.fromkeys(t.sort_values("kode_kemendagri")["nama_kecamatan"]))
