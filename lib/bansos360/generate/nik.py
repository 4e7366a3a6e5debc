"""NIK and No KK numbers (16 digits), built vectorised.

NIK  = region6 (2 prov + 2 kab + 2 Kemendagri kecamatan of first registration)
       + DDMMYY of birth (DD + 40 for women) + 4-digit serial unique within (region6, DDMMYY).
KK   = region6 + DDMMYY of registration + 4-digit serial unique within (region6, DDMMYY).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from bansos360.generate.params import ymd


def serials(keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """1-based serial numbers, unique within each key, in random order inside a key."""
    keys = np.asarray(keys, dtype=np.int64)
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.lexsort((rng.random(n), keys))
    sk = keys[order]
    start = np.r_[True, sk[1:] != sk[:-1]]
    grp_start = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    rank = np.arange(n) - grp_start + 1
    out = np.empty(n, dtype=np.int64)
    out[order] = rank
    if out.max() > 9999:
        raise ValueError("more than 9999 numbers for one region and date")
    return out


def date6(days: np.ndarray, female: np.ndarray | None = None) -> np.ndarray:
    """DDMMYY as an int (DD + 40 for women when ``female`` is given)."""
    y, m, d = ymd(days)
    if female is not None:
        d = d + np.where(female, 40, 0)
    return d * 10000 + m * 100 + (y % 100)


def make_numbers(region6: np.ndarray, days: np.ndarray, rng: np.random.Generator, female: np.ndarray | None = None) -> np.ndarray:
    """16-digit numbers as int64: region6 * 1e10 + DDMMYY * 1e4 + serial."""
    head = np.asarray(region6, dtype=np.int64) * 1_000_000 + date6(days, female)
    return head * 10_000 + serials(head, rng)


def to_str(numbers: np.ndarray) -> np.ndarray:
    """int64 numbers -> zero-padded 16-character strings (object array)."""
    return np.char.zfill(np.asarray(numbers, dtype=np.int64).astype(str), 16).astype(object)


def decode_nik(nik: str) -> tuple[dt.date | None, int | None]:
    """(birth date, sex 1/2) encoded in a 16-digit NIK; (None, None) if not decodable.

    The 2-digit year is resolved to the most recent past century relative to 2020.
    """
    if not isinstance(nik, str) or len(nik) != 16 or not nik.isdigit():
        return None, None
    dd, mm, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    sex = 1
    if dd > 40:
        dd -= 40
        sex = 2
    year = 2000 + yy if yy <= 20 else 1900 + yy
    try:
        return dt.date(year, mm, dd), sex
    except ValueError:
        return None, sex
