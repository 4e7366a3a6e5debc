"""Knobs of the synthetic generator: seed figures, shares and rates.

All counts are given at scale 1.0 (the Trenggalek seed report) and multiplied by ``scale``.
Every random stream is derived from ``(seed, name)`` so that changing one component does not
shift the random numbers of another.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np

# --------------------------------------------------------------------------- periods
PERIODS: tuple[str, ...] = ("2018-05", "2019-07", "2019-10", "2020-01", "2020-10")
# Reference date of a penetapan: the first day of its month (Umur is the age on that day).
PERIOD_DATES: tuple[dt.date, ...] = tuple(dt.date(int(p[:4]), int(p[5:]), 1) for p in PERIODS)
EPOCH = dt.date(1970, 1, 1)
PERIOD_DAYS = np.array([(d - EPOCH).days for d in PERIOD_DATES], dtype=np.int32)
BASE_DAY = int(PERIOD_DAYS[0])
N_PERIODS = len(PERIODS)

KAB_BPS = "3503"
KDPROP = "35"
KDKAB = "03"

# --------------------------------------------------------------------------- seed figures (scale 1.0)
SEED_HOUSEHOLDS_PER_PERIOD = 95_097
SEED_FAMILIES_PER_PERIOD = 106_558
SEED_PERSONS_PER_PERIOD = 298_877

# RFM segments over the 5 periods (seed dashboard 11, 100,892 households). The seed shows six
# non-empty segments; only A, B, C, E, F and I can be non-empty with 5 periods (a household last
# seen in 2019-10/2020-01 cannot be in 5 periods, one last seen in 2018-05/2019-07 is in at most 2).
# C must be the 726 because A + B + C = households in the latest period (95,097).
SEGMENT_COUNTS = {"A": 88_702, "B": 5_668, "C": 726, "E": 3_054, "F": 242, "I": 2_500}
# Presence patterns (periods oldest first, '1' = present) and their share inside each segment.
SEGMENT_PATTERNS: dict[str, dict[str, float]] = {
    "A": {"11111": 1.0},
    "B": {"01111": 0.42, "00111": 0.30, "10111": 0.07, "11011": 0.07, "11101": 0.06, "10011": 0.04, "11001": 0.04},
    "C": {"00011": 0.55, "00001": 0.45},
    "E": {"11110": 0.55, "11100": 0.30, "01110": 0.10, "11010": 0.05},
    "F": {"00110": 0.40, "00010": 0.35, "00100": 0.25},
    "I": {"10000": 0.50, "11000": 0.40, "01000": 0.10},
}

# KPM list sizes (seed dashboard 1).
KPM_COUNTS = {"PKH": 30_806, "BPNT": 78_857, "BST": 31_340, "KPE": 20_000}
DISABILITY_COUNT = 6_162


@dataclass(frozen=True)
class Knobs:
    """Shares and rates; defaults reproduce the seed. Only change them on purpose."""

    # population
    nik_elsewhere_share: float = 0.03          # NIK first registered outside Trenggalek
    nik_other_kec_share: float = 0.07          # NIK registered in another Trenggalek kecamatan
    nik_mismatch_share: float = 0.005          # DTKS NIK disagrees with sex / birth date
    disabled_share: float = 0.02               # Jenis_cacat > 0
    desil_other_share: float = 0.01            # percentile > 40 or empty
    move_rate: float = 0.003                   # households moving desa between two periods
    split_share_of_entrants: float = 0.25      # new households founded by a member who married out
    death_rate_scale: float = 1.0
    birth_rate_scale: float = 1.0
    marriage_rate: float = 0.07                # per year, unmarried members aged 19-40
    # KPM
    outsider_share: dict = field(default_factory=lambda: {"PKH": 0.03, "BPNT": 0.06, "BST": 0.07, "KPE": 0.25})
    not_latest_share: dict = field(default_factory=lambda: {"PKH": 0.005, "BPNT": 0.01, "BST": 0.01, "KPE": 0.01})
    nik_ganda_share: float = 0.003
    pkh_no_sembako_share: float = 0.04         # of PKH families in DTKS
    kpe_overlap_share: float = 0.02            # of KPE rows: PKH or Sembako KPM also on KPE
    pkh_no_kis_share: float = 0.05             # of PKH families in DTKS: members have Ada_pbi = 2
    flag_noise: float = 0.02                   # DTKS 2020-10 program flags that disagree with lists
    # disability register
    disability_outsider_share: float = 0.30
    # usulan
    usulan_entrant_share: float = 0.80         # new-entrant households that were proposed
    usulan_rejected_ratio: float = 0.25        # proposed-but-not-established households per established one
    usulan_perbaikan_share: float = 0.004      # existing households proposed for correction


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random generator for component ``name``."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(name.encode("utf-8"))])


def scaled(n: float, scale: float, minimum: int = 1) -> int:
    """``round(n * scale)``, at least ``minimum``."""
    return max(minimum, int(round(n * scale)))


def days_to_dates(days: np.ndarray) -> np.ndarray:
    """int days since 1970-01-01 -> numpy datetime64[D]."""
    return np.asarray(days, dtype="int64").astype("datetime64[D]")


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month, day arrays of int day numbers (vectorised)."""
    d = days_to_dates(days)
    y = d.astype("datetime64[Y]").astype(int) + 1970
    m = d.astype("datetime64[M]").astype(int) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(int) + 1
    return y, m, dd


def age_at(birth_days: np.ndarray, at_days: np.ndarray | int) -> np.ndarray:
    """Completed years of age on ``at_days`` (exact calendar arithmetic, vectorised)."""
    by, bm, bd = ymd(birth_days)
    ay, am, ad = ymd(np.broadcast_to(np.asarray(at_days), np.shape(birth_days)))
    return ay - by - ((am < bm) | ((am == bm) & (ad < bd))).astype(int)


def iso(days: np.ndarray) -> np.ndarray:
    """int days -> array of 'YYYY-MM-DD' strings (object)."""
    return np.datetime_as_string(days_to_dates(days), unit="D").astype(object)
