"""Indonesian (Javanese-heavy) names, drawn with numpy from fixed pools.

Pools: Faker's ``id_ID`` person provider (first_names_male/female, last_names_male/female) plus a
built-in list of Javanese names (Faker's id_ID pools are national and contain few of the single
village names common among older Javanese: SUTRISNO, TUKIYEM...). Names never come from
``faker.name()`` calls, so 300 k names take milliseconds.
"""

from __future__ import annotations

import numpy as np
from faker.providers.person.id_ID import Provider as _IdProvider

JAVA_MALE = (
    "SUTRISNO SUPARMAN SUKARDI KATINO KATIMUN KASENO SUPRI TOIRAN PAIMIN SUYATNO SUGIONO SLAMET "
    "MUJIONO WAGIMAN TUKIMAN SARMIN JUMADI SUROTO SUMARNO KARSONO DARMAJI MARSUDI MISDI BOIMAN "
    "SADIKIN TUMIRAN KASIRAN SUPARDI SUKIRNO SUWARNO PARMAN SARDI JAMARI KATEMIN SAMIJAN SURATMAN "
    "SUKIMAN SUMADI PONIRAN SUDARMAJI WARSITO SUTOYO SUJONO SUPANGAT SUKADI KARMIN KASMIN TUGIMAN "
    "WAGIRAN SUTARNO SUYADI SUMARDI JARWO TRIMO PAIJO PAIDI MUKIDI SUPARNO SUWANDI SUNARDI "
    "SUJARWO MARJUKI MUSLIKAN KUSNAN BASUKI HARIYONO PRAYITNO SUDIRMAN MISIRAN SAKIMAN DARSONO "
    "KATIRAN SAMSUDIN SARNO SAIMUN SARONI SAMINGAN KATENO WAJI GIMAN SUPENO MURDI SAMSUL ARIFIN "
    "MUHAMMAD AHMAD MOCHAMAD IMAM SUGENG WIDODO SUPRIYADI SUMARJI TARMUJI NGADIMAN NGATIMAN "
    "NGATIJO SUDARSONO KASIMUN SUMIJAN MUJIANTO SUTIKNO SUWITO RAMELAN KARDI SAMPURNO KASMUN"
).split()
JAVA_FEMALE = (
    "SUMARNI SUPARMI TUKIYEM PAINEM KATINI SULASTRI JUMINTEN TUMINI WARTINI SUMIATI KASIYEM MISNI "
    "SUKINI MARSINI LASMI JARNI PAINI SARMI SUTINI NGATINI NGATEMI TUMINAH SUMIRAH SUNARTI SULASMI "
    "RUKAYAH MUJIATI PARMI YATMI WIJI DARMI SAMINEM SURATI KATMI SUPINAH TUKINI SAMIATI MARIYEM "
    "SUWARNI WAGINEM SUKESI SUMINI PONISIH SAMIRAH KASMI SITI SRI TUMIRAH MUSRINI SUYATI LASIYEM "
    "JUMIATI KARSINI WARSIH MURTINI SUPIYAH SUMIYATI SUNDARI SUPRIATIN SUMARSIH ATIK NURHAYATI "
    "MUNTAMAH ROMLAH KHOTIJAH ASIAH JAMILAH SAROPAH NGAISAH SULIKAH WAKIYEM SARINAH KAMSIYAH "
    "SUMINAH PAIYEM SAMIYEM SUTIYEM MARTINI SUPARTI YULIATI SUNARSIH"
).split()
# Second parts common in Javanese two-part names (modern and middle generations).
JAVA_SECOND_MALE = (
    "SANTOSO PRASETYO SETIAWAN WIBOWO NUGROHO PURNOMO SUSANTO HIDAYAT SAPUTRA KURNIAWAN WIDODO "
    "HARIYANTO SUPRIYANTO WAHYUDI RIYANTO SUGIARTO BUDIONO HADI SUTRISNO YULIANTO ARIFIN "
    "FAUZI MAHMUDI EFENDI SAIFUDIN MASRUKHIN ROHMAN ANSHORI"
).split()
JAVA_SECOND_FEMALE = (
    "WAHYUNI LESTARI RAHAYU HANDAYANI SUSANTI NINGSIH WATI ASTUTI PURWANTI SETYOWATI MULYANI "
    "SUSILOWATI WULANDARI KURNIASARI FATIMAH AMINAH ROHMAH NURJANAH ANDAYANI PUJIATI INDAH "
    "MUAWANAH ZULAIKAH MASRUROH ROFIAH"
).split()
JAVA_PREFIX_FEMALE = ["SITI", "SRI", "DWI", "TRI", "ENDANG", "NUR"]
JAVA_PREFIX_MALE = ["EKO", "DWI", "TRI", "AGUS", "BUDI", "MOH.", "MOCH.", "NUR", "ACHMAD"]
# Arabic-derived names written with a typographic apostrophe (U+2019): in the cp1252 DTKS file it is
# byte 0x92, in every other file UTF-8, so a reader that guesses the encoding wrong is caught.
APOS_MALE = ["MA\u2019RUF", "SYAFI\u2019I", "MU\u2019MIN", "RIF\u2019AN", "MA\u2019SUM"]
APOS_FEMALE = ["NI\u2019MAH", "ROBI\u2019AH", "MU\u2019AMAROH", "ZUMRO\u2019ATUN", "NI\u2019MATUL"]

_FK_M = np.array([s.upper() for s in _IdProvider.first_names_male], dtype=object)
_FK_F = np.array([s.upper() for s in _IdProvider.first_names_female], dtype=object)
_FK_LM = np.array([s.upper() for s in _IdProvider.last_names_male], dtype=object)
_FK_LF = np.array([s.upper() for s in _IdProvider.last_names_female], dtype=object)
_JM = np.array(JAVA_MALE, dtype=object)
_JF = np.array(JAVA_FEMALE, dtype=object)
_J2M = np.array(JAVA_SECOND_MALE, dtype=object)
_J2F = np.array(JAVA_SECOND_FEMALE, dtype=object)
_JPF = np.array(JAVA_PREFIX_FEMALE, dtype=object)
_JPM = np.array(JAVA_PREFIX_MALE, dtype=object)
_AM = np.array(APOS_MALE, dtype=object)
_AF = np.array(APOS_FEMALE, dtype=object)


def _pick(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    return pool[rng.integers(0, len(pool), n)]


def person_names(rng: np.random.Generator, sex: np.ndarray, birth_year: np.ndarray) -> np.ndarray:
    """Upper-case names; style depends on sex (1 male, 2 female) and birth cohort.

    Born before 1965: mostly one Javanese name; 1965-84: mixed; from 1985: mostly two-part modern.
    """
    n = len(sex)
    sex = np.asarray(sex)
    by = np.asarray(birth_year)
    male = sex == 1
    # style: 0 single Javanese, 1 prefix + Javanese (SRI SUMARNI), 2 Javanese + second,
    #        3 modern first + last, 4 single modern first, 5 apostrophe name (+ maybe second)
    u = rng.random(n)
    cuts = np.empty((n, 5))
    for lo, hi, c in ((-9999, 1965, (0.72, 0.84, 0.95, 0.985, 0.997)), (1965, 1985, (0.40, 0.55, 0.75, 0.94, 0.996)),
                      (1985, 2000, (0.15, 0.22, 0.40, 0.85, 0.997)), (2000, 9999, (0.05, 0.08, 0.20, 0.78, 0.997))):
        sel = (by >= lo) & (by < hi)
        cuts[sel] = c
    style = (u[:, None] >= cuts).sum(axis=1)

    jav = np.where(male, _pick(rng, _JM, n), _pick(rng, _JF, n))
    pre = np.where(male, _pick(rng, _JPM, n), _pick(rng, _JPF, n))
    sec = np.where(male, _pick(rng, _J2M, n), _pick(rng, _J2F, n))
    fk_first = np.where(male, _pick(rng, _FK_M, n), _pick(rng, _FK_F, n))
    # last names: 60 % Javanese second parts, 40 % Faker's national list
    fk_last = np.where(male, _pick(rng, _FK_LM, n), _pick(rng, _FK_LF, n))
    last = np.where(rng.random(n) < 0.6, sec, fk_last)
    apos = np.where(male, _pick(rng, _AM, n), _pick(rng, _AF, n))

    out = np.empty(n, dtype=object)
    out[:] = jav
    s1 = style == 1
    out[s1] = pre[s1] + " " + jav[s1]
    s2 = style == 2
    out[s2] = jav[s2] + " " + sec[s2]
    s3 = style == 3
    out[s3] = fk_first[s3] + " " + last[s3]
    s4 = style == 4
    out[s4] = fk_first[s4]
    s5 = style == 5
    out[s5] = apos[s5]
    # avoid "SRI SRI", "SITI SITI"
    dup = np.array([a.split(" ")[0] == a.split(" ")[-1] and " " in a for a in out[s1 | s2]], dtype=bool)
    if dup.any():
        idx = np.flatnonzero(s1 | s2)[dup]
        out[idx] = jav[idx] + " " + np.where(male[idx], "SANTOSO", "LESTARI")
    return out


def female_names(rng: np.random.Generator, birth_year: np.ndarray) -> np.ndarray:
    """Names of women born in ``birth_year`` (used for mothers' maiden names)."""
    by = np.asarray(birth_year)
    return person_names(rng, np.full(len(by), 2, dtype=np.int8), by)


OTHER_BIRTH_PLACES = np.array(
    ["TULUNGAGUNG", "PONOROGO", "PACITAN", "BLITAR", "KEDIRI", "MADIUN", "SURABAYA", "MALANG", "JAKARTA", "NGANJUK"],
    dtype=object,
)
# Region codes (Kemendagri kabupaten) of first registration outside Trenggalek and their names.
ELSEWHERE_REGIONS = {
    "3502": "PONOROGO", "3504": "TULUNGAGUNG", "3501": "PACITAN", "3505": "BLITAR", "3506": "KEDIRI",
    "3578": "SURABAYA", "3573": "MALANG", "1606": "MUSI BANYUASIN", "3518": "NGANJUK", "3577": "MADIUN",
}


def birth_places(rng: np.random.Generator, kec_upper: np.ndarray, elsewhere_name: np.ndarray | None = None) -> np.ndarray:
    """TmpLahir: mostly TRENGGALEK or the kecamatan; the regency of first registration if elsewhere."""
    n = len(kec_upper)
    u = rng.random(n)
    out = np.where(u < 0.55, "TRENGGALEK", np.where(u < 0.88, kec_upper, _pick(rng, OTHER_BIRTH_PLACES, n))).astype(object)
    if elsewhere_name is not None:
        has = np.array([e is not None for e in elsewhere_name], dtype=bool)
        use = has & (rng.random(n) < 0.8)
        out[use] = elsewhere_name[use]
    return out
