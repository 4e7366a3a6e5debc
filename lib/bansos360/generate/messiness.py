"""Row-level messiness of KPM, disability and usulan files, each instance reported.

Every function takes canonical values and returns ``(cells, kinds, details)``: the values to write
(str, float, datetime.date or None), the anomaly kind per row (None = untouched) and a free-text
detail. Kinds are the names used in ``_truth/anomalies.parquet``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from bansos360.generate.params import EPOCH

NIK_KINDS = ("float_lost_digit", "apostrophe", "separators", "15_digits", "17_digits", "zeros", "empty")


@dataclass(frozen=True)
class NikRates:
    """Share of rows per NIK/KK format problem (the rest is written as clean text)."""

    float_lost_digit: float = 0.04
    apostrophe: float = 0.02
    separators: float = 0.015
    d15: float = 0.004
    d17: float = 0.003
    zeros: float = 0.002
    empty: float = 0.004
    sci: float = 0.0   # CSV only: Excel's "3.50312E+15" text

    def scaled(self, f: float) -> NikRates:
        return NikRates(*(getattr(self, k) * f for k in self.__dataclass_fields__))


def _kinds(rng: np.random.Generator, n: int, labels: list[str], probs: list[float]) -> np.ndarray:
    p = np.array(probs, dtype=float)
    rest = max(0.0, 1.0 - p.sum())
    allp = np.r_[p, rest]
    pick = rng.choice(len(allp), size=n, p=allp / allp.sum())
    lab = np.array([*labels, None], dtype=object)
    return lab[pick]


def mess_number(values: np.ndarray, rng: np.random.Generator, rates: NikRates, prefix: str,
                skip: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NIK / No KK cells. ``prefix`` is 'nik' or 'kk'; rows in ``skip`` stay clean text."""
    n = len(values)
    labels = ["float_lost_digit", "apostrophe", "separators", "15_digits", "17_digits", "zeros", "empty", "float_sci"]
    probs = [rates.float_lost_digit, rates.apostrophe, rates.separators, rates.d15, rates.d17, rates.zeros, rates.empty, rates.sci]
    kinds = _kinds(rng, n, labels, probs)
    kinds[np.array([not isinstance(v, str) or len(v) != 16 for v in values])] = None
    if skip is not None:
        kinds[skip] = None
    cells = np.array(values, dtype=object)
    details = np.full(n, None, dtype=object)
    pos = rng.integers(0, 16, n)
    digit = rng.integers(0, 10, n)
    sep_style = rng.integers(0, 3, n)
    for i in np.flatnonzero(kinds != None):  # noqa: E711 - elementwise on object array
        s, k = values[i], kinds[i]
        if k == "float_lost_digit":
            cells[i] = float(int(s[:15] + "0"))
            details[i] = f"16th digit lost (was {s[15]})"
        elif k == "float_sci":
            cells[i] = f"{float(s):.5E}"
            details[i] = "scientific notation text"
        elif k == "apostrophe":
            cells[i] = "'" + s
        elif k == "separators":
            st = sep_style[i]
            if st == 0:
                cells[i] = f"{s[:4]}.{s[4:8]}.{s[8:12]}.{s[12:]}"
            elif st == 1:
                cells[i] = f"{s[:4]} {s[4:8]} {s[8:12]} {s[12:]}"
            else:
                cells[i] = f"{s[:2]}.{s[2:4]}.{s[4:6]}.{s[6:12]}.{s[12:]}"
        elif k == "15_digits":
            p = pos[i]
            cells[i] = s[:p] + s[p + 1:]
            details[i] = f"digit {p + 1} dropped"
        elif k == "17_digits":
            p = pos[i]
            cells[i] = s[:p] + str(digit[i]) + s[p:]
            details[i] = f"digit inserted at {p + 1}"
        elif k == "zeros":
            cells[i] = "0" * 16
        elif k == "empty":
            cells[i] = None
    out_kinds = np.array([None if k is None else f"{prefix}_{k}" for k in kinds], dtype=object)
    return cells, out_kinds, details


TITLES_M = ["H.", "BPK.", "ALM.", "BP."]
TITLES_F = ["HJ.", "IBU", "ALM.", "NY."]


def mess_name(names: np.ndarray, female: np.ndarray, rng: np.random.Generator, share: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Name cells: case variants, titles, a typo, swapped order of a two-part name."""
    n = len(names)
    kinds = _kinds(rng, n, ["name_case", "name_title", "name_typo", "name_swapped"],
                   [0.03 * share, 0.015 * share, 0.01 * share, 0.008 * share])
    cells = np.array(names, dtype=object)
    details = np.full(n, None, dtype=object)
    u = rng.random(n)
    pos = rng.random(n)
    tm = rng.integers(0, len(TITLES_M), n)
    tf = rng.integers(0, len(TITLES_F), n)
    for i in np.flatnonzero(kinds != None):  # noqa: E711
        s, k = names[i], kinds[i]
        if k == "name_case":
            cells[i] = s.lower() if u[i] < 0.4 else s.title()
        elif k == "name_title":
            t = TITLES_F[tf[i]] if female[i] else TITLES_M[tm[i]]
            cells[i] = f"{t} {s}"
            details[i] = t
        elif k == "name_typo":
            if len(s) < 4:
                kinds[i] = None
                continue
            j = 1 + int(pos[i] * (len(s) - 2))
            if u[i] < 0.5 and s[j] != " " and s[j + 1:j + 2] not in ("", " "):
                cells[i] = s[:j] + s[j + 1] + s[j] + s[j + 2:]
                details[i] = "two letters swapped"
            else:
                cells[i] = s[:j] + s[j + 1:]
                details[i] = "letter dropped"
            if cells[i] == s:
                kinds[i] = None
        elif k == "name_swapped":
            parts = s.split(" ")
            if len(parts) != 2:
                kinds[i] = None
                continue
            cells[i] = f"{parts[1]} {parts[0]}"
    return cells, kinds, details


def _date(days: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(days))


def mess_date(days: np.ndarray, rng: np.random.Generator, messy: bool, excel: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Birth-date cells.

    xlsx messy: real date cells (canonical), text DD-MM-YYYY, text YYYY-MM-DD, serial numbers.
    CSV messy: text YYYY-MM-DD (canonical), DD-MM-YYYY, DD/MM/YYYY. Clean: ISO text everywhere.
    """
    n = len(days)
    cells = np.empty(n, dtype=object)
    kinds = np.full(n, None, dtype=object)
    details = np.full(n, None, dtype=object)
    if not messy:
        for i in range(n):
            cells[i] = _date(days[i]).isoformat()
        return cells, kinds, details
    u = rng.random(n)
    for i in range(n):
        d = _date(days[i])
        if excel:
            if u[i] < 0.72:
                cells[i] = d
            elif u[i] < 0.86:
                cells[i] = d.strftime("%d-%m-%Y")
                kinds[i] = "date_text_dmy"
            elif u[i] < 0.95:
                cells[i] = d.isoformat()
            else:
                cells[i] = float((d - dt.date(1899, 12, 30)).days)
                kinds[i] = "date_serial"
        else:
            if u[i] < 0.6:
                cells[i] = d.isoformat()
            elif u[i] < 0.9:
                cells[i] = d.strftime("%d-%m-%Y")
                kinds[i] = "date_text_dmy"
            else:
                cells[i] = d.strftime("%d/%m/%Y")
                kinds[i] = "date_text_dmy"
    return cells, kinds, details


def mess_desa(canon_upper: np.ndarray, split_upper: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Desa names: compound names split in two words (SUKO WETAN) or written in title case."""
    n = len(canon_upper)
    cells = np.array(canon_upper, dtype=object)
    kinds = np.full(n, None, dtype=object)
    details = np.full(n, None, dtype=object)
    u = rng.random(n)
    has_split = np.array([s is not None for s in split_upper])
    sp = has_split & (u < 0.25)
    cells[sp] = split_upper[sp]
    kinds[sp] = "desa_spelling"
    details[sp] = "compound name split"
    tc = ~sp & (u > 0.98)
    cells[tc] = np.array([s.title() for s in canon_upper[tc]], dtype=object)
    kinds[tc] = "desa_spelling"
    details[tc] = "title case"
    return cells, kinds, details
