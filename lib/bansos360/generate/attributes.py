"""Coded DTKS attributes: stable person traits, per-period ART codes and household (RT) codes.

Codes follow raw-formats.md sections 2-3. ``-1`` means "empty" in every int array here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bansos360.generate.params import N_PERIODS, ymd
from bansos360.generate.reference import desa_table


def _cat(rng: np.random.Generator, n: int, codes, probs) -> np.ndarray:
    p = np.asarray(probs, dtype=float)
    return np.asarray(codes)[rng.choice(len(codes), size=n, p=p / p.sum())]


# --------------------------------------------------------------------------- persons
DISABILITY_CODES = np.arange(1, 13)
DISABILITY_P = [0.30, 0.12, 0.10, 0.08, 0.08, 0.03, 0.01, 0.01, 0.01, 0.12, 0.10, 0.04]
CHRONIC_CODES = np.arange(1, 10)
CHRONIC_P = [0.35, 0.20, 0.10, 0.07, 0.10, 0.03, 0.07, 0.02, 0.06]


def person_traits(rng: np.random.Generator, female: np.ndarray, birth: np.ndarray, knobs) -> pd.DataFrame:
    """Stable latent traits of persons: schooling target, disability, chronic illness, work."""
    n = len(female)
    y, _, _ = ymd(birth)
    # highest level a person reaches: 0 none, 1 SD, 2 SMP, 3 SMA, 4 PT
    target = np.zeros(n, dtype=np.int8)
    for lo, hi, p in ((0, 1955, [0.35, 0.55, 0.07, 0.03, 0.0]), (1955, 1970, [0.15, 0.60, 0.15, 0.09, 0.01]),
                      (1970, 1985, [0.04, 0.45, 0.30, 0.19, 0.02]), (1985, 2000, [0.01, 0.20, 0.37, 0.38, 0.04]),
                      (2000, 9999, [0.01, 0.08, 0.30, 0.55, 0.06])):
        sel = (y >= lo) & (y < hi)
        target[sel] = rng.choice(5, size=sel.sum(), p=p)
    variant = _cat(rng, n, [0, 2, 1], [0.85, 0.12, 0.03]).astype(np.int8)  # 2 madrasah, 1 paket
    dropout = rng.random(n) < 0.18
    # disability: more likely with age and for men (seed register: 3,246 L / 2,911 P)
    age_2020 = 2020 - y
    p_dis = knobs.disabled_share * np.clip(0.45 + age_2020 / 60, 0.4, 2.2) * np.where(female, 0.9, 1.1)
    disab = np.where(rng.random(n) < p_dis / 1.05, _cat(rng, n, DISABILITY_CODES, DISABILITY_P), 0).astype(np.int8)
    chronic = _cat(rng, n, CHRONIC_CODES, CHRONIC_P).astype(np.int8)
    onset = np.where(rng.random(n) < 0.45, rng.uniform(35, 90, n), 999).astype(np.float32)
    onset = np.where(rng.random(n) < 0.02, rng.uniform(0, 35, n), onset)
    sector = _cat(rng, n, [1, 2, 3, 4, 5, 6, 7, 9, 11, 12, 13, 14, 19, 20, 21],
                  [33, 3, 9, 3, 1, 5, 3, 8, 12, 11, 2, 3, 5, 0.5, 4])
    status = _cat(rng, n, [1, 2, 3, 4, 5, 6, 7, 8], [25, 5, 0.5, 15, 0.5, 30, 15, 9])
    return pd.DataFrame(
        {
            "edu_target": target,
            "edu_variant": variant,
            "edu_dropout": dropout,
            "dropout_grade": rng.integers(1, 6, n).astype(np.int8),
            "disab": disab,
            "chronic": chronic,
            "chronic_onset": onset,
            "work_u": rng.random(n).astype(np.float32),
            "sector": sector.astype(np.int8),
            "work_status": status.astype(np.int8),
            "akta_u": rng.random(n).astype(np.float32),
            "ktp_u": rng.random(n).astype(np.float32),
            "nikah_u": rng.random(n).astype(np.float32),
            "pbi_u": rng.random(n).astype(np.float32),
            "kip_u": rng.random(n).astype(np.float32),
            "anak_luar": rng.choice([0, 0, 0, 1, 2, 3], n).astype(np.int8),
        }
    )


_LEVEL_START = np.array([0, 7, 13, 16, 19])   # first school age of level 1..4
_LEVEL_LEN = np.array([0, 6, 3, 3, 4])
_LEVEL_CODE = np.array([-1, 1, 4, 7, 10])     # Pendidikan_tertinggi of level (+variant except PT)
_CERT = np.array([0, 1, 2, 3, 5])             # Ijazah_tertinggi on completing level


def art_codes(rng: np.random.Generator, tr: pd.DataFrame, female: np.ndarray, age: np.ndarray,
              marital: np.ndarray, hub: np.ndarray, new: np.ndarray) -> dict[str, np.ndarray]:
    """Per-period ART codes of the listed persons (``tr`` rows aligned with them)."""
    n = len(age)
    age = np.asarray(age, dtype=np.int16)
    target = tr["edu_target"].to_numpy()
    variant = tr["edu_variant"].to_numpy()
    dropout = tr["edu_dropout"].to_numpy()
    # level currently attended by age (0 none, 1..4)
    cur = np.select([age < 7, age < 13, age < 16, age < 19, age < 23], [0, 1, 2, 3, 4], 5)
    in_school = (cur >= 1) & (cur <= 4) & (cur <= target) & ~((cur == target) & dropout & (age >= _LEVEL_START[np.minimum(cur, 4)] + 1))
    finished = ~in_school & (age >= 7) & (target >= 1)
    part = np.where(in_school, 1, np.where(finished, 2, 0)).astype(np.int8)
    lvl = np.where(in_school, cur, np.where(finished, np.minimum(target, np.maximum(cur - 1, 1)), 0))
    lvl = np.where(finished & (cur == 5), target, lvl)
    lvl = np.clip(lvl, 0, 4)
    code = _LEVEL_CODE[lvl]
    code = np.where((lvl >= 1) & (lvl <= 3), code + variant, code)
    pend = np.where(part == 0, -1, code)
    grade = np.clip(age - _LEVEL_START[lvl] + 1, 1, _LEVEL_LEN[lvl].clip(1))
    completed = finished & ~(dropout & (lvl == target))
    kelas = np.where(in_school, grade, np.where(completed, 8, np.where(finished, np.minimum(tr["dropout_grade"].to_numpy(), _LEVEL_LEN[lvl].clip(1)), -1)))
    cert_lvl = np.where(in_school, lvl - 1, np.where(completed, lvl, np.where(finished, lvl - 1, 0)))
    ijazah = _CERT[np.clip(cert_lvl, 0, 4)]
    ijazah = np.where((cert_lvl == 4) & (tr["dropout_grade"].to_numpy() < 3), 4, ijazah)
    ijazah = np.where(age < 7, 0, ijazah)

    # work
    p_work = np.select(
        [age < 10, age < 15, age < 20, age < 65, age < 75],
        [0.0, 0.03, 0.35, np.where(female, 0.52, 0.88), np.where(female, 0.3, 0.5)],
        np.where(female, 0.1, 0.2),
    )
    work = (tr["work_u"].to_numpy() < p_work) & (part != 1)
    sta_kerja = np.where(age < 5, -1, np.where(work, 1, 2))
    jam = np.where(work, rng.integers(7, 57, n), 0)
    jam = np.where(age < 5, -1, jam)
    lap = np.where(work, tr["sector"].to_numpy(), -1)
    stat = np.where(work, tr["work_status"].to_numpy(), -1)

    kawin = marital.astype(np.int8)
    nikah_u = tr["nikah_u"].to_numpy()
    akta_nikah = np.where(kawin == 1, 0, np.where(nikah_u < 0.55, 1, np.where(nikah_u < 0.85, 2, 0)))
    akta = tr["akta_u"].to_numpy()
    ktp = tr["ktp_u"].to_numpy()
    ident = np.where(age < 7, np.where(akta < 0.8, 1, 0),
                     np.where(age < 17, np.where(akta < 0.85, 1, 0) + np.where(in_school & (ktp < 0.5), 2, 0),
                              np.where(ktp < 0.94, 4, 0) + np.where(akta < 0.45, 1, 0)
                              + np.where(~female & (age < 60) & (ktp < 0.12), 8, 0)))
    hamil = np.where(female & (age >= 10), 2, -1)
    hamil = np.where(female & (kawin == 2) & (age >= 15) & (age < 50) & (rng.random(n) < 0.04), 1, hamil)
    disab = tr["disab"].to_numpy()
    chronic = np.where(age >= tr["chronic_onset"].to_numpy(), tr["chronic"].to_numpy(), 0)
    dikk = np.where(rng.random(n) < 0.985, 1, 2)
    keberadaan = np.where(new, 4, 1)
    anak_luar = np.where(np.isin(hub, [1, 2]) & (age >= 45), tr["anak_luar"].to_numpy(), -1)
    return {
        "Umur": age.astype(np.int16),
        "Sta_kawin": kawin,
        "Ada_akta_nikah": akta_nikah.astype(np.int8),
        "Ada_diKK": dikk.astype(np.int8),
        "Ada_kartu_identitas": ident.astype(np.int8),
        "Sta_hamil": hamil.astype(np.int8),
        "Jenis_cacat": disab.astype(np.int8),
        "Penyakit_kronis": chronic.astype(np.int8),
        "Partisipasi_sekolah": part,
        "Pendidikan_tertinggi": pend.astype(np.int8),
        "Kelas_tertinggi": kelas.astype(np.int8),
        "Ijazah_tertinggi": ijazah.astype(np.int8),
        "Sta_Bekerja": sta_kerja.astype(np.int8),
        "Jumlah_jamkerja": jam.astype(np.int8),
        "Lapangan_usaha": lap.astype(np.int8),
        "Status_pekerjaan": stat.astype(np.int8),
        "Sta_keberadaan_art": keberadaan.astype(np.int8),
        "Anak_diluar_rt": anak_luar.astype(np.int8),
    }


# --------------------------------------------------------------------------- households
DUSUN = np.array(
    "KRAJAN NGRANDU SUMBER NGLEBO BANDUNG GONDANG BULU KEDUNGSOKO JATI NGLOROG SIDOREJO KALIGEBANG "
    "TEGALREJO PUCUNG SENDANG WATES SUKOREJO NGADIREJO BENDO KARANGREJO MOJO TAMBAKREJO NGASEM "
    "GLAGAH SUMBERSARI PETUNG CANGKRING DUWET SALAM KEBONAGUNG".split(),
    dtype=object,
)

# asset columns of the RT file and whether they use the 1/2 (left) or 3/4 (right) coding
ASSETS = {
    "ada_tabung_gas": (1, 0.10), "ada_lemari_es": (3, 0.25), "ada_ac": (1, 0.005), "ada_pemanas": (3, 0.005),
    "ada_telepon": (1, 0.01), "ada_tv": (3, 0.75), "ada_emas": (1, 0.05), "ada_laptop": (3, 0.02),
    "ada_sepeda": (1, 0.40), "ada_motor": (3, 0.60), "ada_mobil": (1, 0.01), "ada_perahu": (3, 0.01),
    "ada_motor_tempel": (1, 0.005), "ada_perahu_motor": (3, 0.01), "ada_kapal": (1, 0.002),
}


def household_attrs(rng: np.random.Generator, desa_first: np.ndarray, desil_first: np.ndarray) -> pd.DataFrame:
    """Stable housing/asset codes of every household (poorer desil -> worse housing)."""
    n = len(desa_first)
    t = desa_table()
    coastal = t["coastal"].to_numpy()[desa_first]
    poor = (desil_first >= 1) & (desil_first <= 2)
    f = np.where(poor, 1.0, 1.4)  # asset multiplier for less poor
    out: dict[str, np.ndarray] = {}
    out["dusun"] = DUSUN[(desa_first * 7 + rng.integers(0, 5, n)) % len(DUSUN)]
    out["rt"] = rng.integers(1, 13, n)
    out["rw"] = np.maximum(1, (out["rt"] + 2) // 4 + rng.integers(0, 2, n))
    out["alamat_style"] = rng.choice(5, size=n, p=[0.55, 0.15, 0.1, 0.1, 0.1])
    out["sta_bangunan"] = _cat(rng, n, [1, 2, 3, 4, 5], [88, 2, 8, 0.2, 1.8])
    out["sta_lahan"] = _cat(rng, n, [1, 2, 3, 4], [80, 15, 3, 2])
    out["luas_lantai"] = np.clip(np.round(rng.lognormal(np.where(poor, 3.6, 3.85), 0.35)), 9, 250).astype(int)
    out["lantai"] = np.where(poor, _cat(rng, n, [2, 4, 6, 7, 8, 9], [10, 5, 40, 2, 3, 40]),
                             _cat(rng, n, [2, 4, 6, 7, 8, 9], [30, 8, 40, 1, 2, 19]))
    out["dinding"] = _cat(rng, n, [1, 2, 3, 4, 5, 6, 7], [70, 3, 12, 10, 1, 3, 1])
    out["kondisi_dinding"] = np.where(rng.random(n) < np.where(poor, 0.45, 0.7), 1, 2)
    out["atap"] = _cat(rng, n, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [0.5, 3, 2, 80, 6, 6, 0.5, 0.5, 1, 0.5])
    out["kondisi_atap"] = np.where(rng.random(n) < np.where(poor, 0.5, 0.75), 1, 2)
    out["jumlah_kamar"] = rng.choice([1, 2, 3, 4], size=n, p=[0.2, 0.45, 0.28, 0.07])
    out["sumber_airminum"] = _cat(rng, n, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [7, 5, 2, 20, 35, 10, 15, 4, 1, 1])
    sam = out["sumber_airminum"]
    out["cara_peroleh_airminum"] = np.where(np.isin(sam, [2]), 1, np.where(np.isin(sam, [3]), 2, np.where(sam == 4, 1, 3)))
    out["nomor_meter_air"] = np.where(sam == 3, rng.integers(10**7, 10**8, n).astype(str), "").astype(object)
    out["sumber_penerangan"] = _cat(rng, n, [1, 2, 3], [97, 2, 1])
    sp = out["sumber_penerangan"]
    out["daya"] = np.where(sp == 1, _cat(rng, n, [1, 2, 3, 4], [60, 35, 4, 1]), np.where(sp == 2, 6, -1))
    out["nomor_pln"] = np.where((sp == 1) & (rng.random(n) < 0.7), (rng.integers(10**11, 10**12, n) // 10 * 10 + 1).astype(str), "").astype(object)
    out["bb_masak"] = _cat(rng, n, [1, 2, 3, 5, 8, 9], [1, 2, 55, 1, 40, 1])
    out["nomor_gas"] = np.full(n, "", dtype=object)
    out["fasbab"] = _cat(rng, n, [1, 2, 3, 4], [70, 15, 5, 10])
    out["kloset"] = np.where(out["fasbab"] == 4, 4, _cat(rng, n, [1, 2, 3], [82, 6, 12]))
    out["buang_tinja"] = np.where(out["fasbab"] == 4, _cat(rng, n, [4, 5, 6], [50, 45, 5]),
                                  _cat(rng, n, [1, 2, 3, 4, 5, 6], [62, 2, 26, 6, 3, 1]))
    for col, (yes, p) in ASSETS.items():
        prob = p * f
        if col in ("ada_perahu", "ada_perahu_motor", "ada_motor_tempel"):
            prob = np.where(coastal, prob * 6, prob)
        out[col] = np.where(rng.random(n) < prob, yes, yes + 1)
    out["aset_tak_bergerak"] = np.where(rng.random(n) < 0.4, 1, 2)
    out["luas_atb"] = np.where(out["aset_tak_bergerak"] == 1, (rng.integers(2, 100, n) * 50).astype(str), "").astype(object)
    out["rumah_lain"] = np.where(rng.random(n) < 0.03, 3, 4)
    out["jumlah_sapi"] = np.where(rng.random(n) < 0.22, rng.integers(1, 4, n), 0)
    out["jumlah_kerbau"] = np.where(rng.random(n) < 0.01, 1, 0)
    out["jumlah_kuda"] = np.zeros(n, dtype=int)
    out["jumlah_babi"] = np.zeros(n, dtype=int)
    out["jumlah_kambing"] = np.where(rng.random(n) < 0.3, rng.integers(1, 7, n), 0)
    out["sta_art_usaha"] = np.where(rng.random(n) < 0.2, 1, 2)
    return pd.DataFrame(out)


def alamat(attrs: pd.DataFrame, messy: bool) -> np.ndarray:
    """Free-text address of every household; with messiness several spellings (some with commas)."""
    d, rt, rw = attrs["dusun"].to_numpy(), attrs["rt"].to_numpy(), attrs["rw"].to_numpy()
    rt3 = np.char.zfill(rt.astype(str), 3).astype(object)
    rw3 = np.char.zfill(rw.astype(str), 3).astype(object)
    canon = "DUSUN " + d + " RT " + rt3 + " RW " + rw3
    if not messy:
        return canon
    rt2 = np.char.zfill(rt.astype(str), 2).astype(object)
    rw2 = np.char.zfill(rw.astype(str), 2).astype(object)
    style = attrs["alamat_style"].to_numpy()
    return np.select(
        [style == 0, style == 1, style == 2, style == 3],
        [canon, "DSN. " + d + " RT." + rt3 + " RW." + rw3, "DK. " + d + " RT " + rt2 + "/RW " + rw2,
         d + ", RT " + rt.astype(str).astype(object) + " RW " + rw.astype(str).astype(object)],
        "DUSUN " + d + ", RT." + rt2 + "/" + rw2,
    ).astype(object)


def nama_sls(attrs: pd.DataFrame) -> np.ndarray:
    rt3 = np.char.zfill(attrs["rt"].to_numpy().astype(str), 3).astype(object)
    rw3 = np.char.zfill(attrs["rw"].to_numpy().astype(str), 3).astype(object)
    return "RT " + rt3 + " RW " + rw3 + " DUSUN " + attrs["dusun"].to_numpy()


_CHANGING = ("ada_tv", "ada_motor", "ada_sepeda", "ada_lemari_es", "daya")


def change_periods(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """Period from which a household's re-survey changes one of a few codes (99 = never)."""
    return pd.DataFrame({c: np.where(rng.random(n) < 0.08, rng.integers(1, N_PERIODS, n), 99).astype(np.int8) for c in _CHANGING})


def period_changes(attrs: pd.DataFrame, changes: pd.DataFrame, p: int) -> pd.DataFrame:
    """Codes of period ``p``: assets flipped and 450 W upgraded to 900 W from their change period on."""
    if p == 0:
        return attrs
    a = attrs.copy()
    for col in _CHANGING:
        hit = changes[col].to_numpy() <= p
        v = a[col].to_numpy()
        if col == "daya":
            a[col] = np.where(hit & (v == 1), 2, v)
        else:
            yes = ASSETS[col][0]
            a[col] = np.where(hit, np.where(v == yes, yes + 1, yes), v)
    return a
