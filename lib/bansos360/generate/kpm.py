"""KPM (recipient) lists of 2020: PKH, BPNT/Sembako, BST and KPE.

:func:`plan` draws the recipient families from DTKS 2020-10 (desil skew, controlled inclusion
errors and rule breaches), creates the outsiders and sets the DTKS program flags of every period.
:func:`write` renders the four workbooks once NIK/KK numbers exist.

One row per KPM. PKH (an e-PKH member export) is written with one row per *family*: the pengurus
(carer, usually the mother) as the member (NOART/NAMAART), so the row count equals the seed's
30,806 families.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from bansos360.generate import messiness as ms
from bansos360.generate import outsiders as outs
from bansos360.generate.params import KPM_COUNTS, N_PERIODS, scaled, stream
from bansos360.generate.reference import desa_table, kecamatan_names
from bansos360.generate.tables import Layout, Logical, render
from bansos360.generate.world import World, family_table
from bansos360.generate.writers import SheetSpec

log = logging.getLogger(__name__)

PROGRAMS = ("PKH", "BPNT", "BST", "KPE")
FILES = {
    "PKH": "kpm/ExportMstPeserta PKH (8-7-2020).xlsx",
    "BPNT": "kpm/Program Sembako Tahap 8 Agustus 2020.xlsx",
    "BST": "kpm/BNBA TL THP 3.xlsx",
    "KPE": "kpm/BNBA KPE 20K.xlsx",
}
HEADERS = {
    "PKH": ["NOPESERTA", "TAHUNKEPESERTAAN", "NMPENGURUS", "NOART", "NAMAART", "TGL_LHR", "JNSKEL_KD", "JNSKEL",
            "HUBKRT_KD", "HUB_KRT", "NIK", "NOKK", "KDPROP", "NMPROP", "KDKABU", "NMKABU", "KDKECA", "NMKECA",
            "KDKELR", "NMKELR", "ALAMAT", "KOMPONEN", "TAHAP"],
    "BPNT": ["NOMOR_KARTU", "NIK_KTP", "NAMA_PENERIMA", "NOKK_DTKS", "IDKELUARGA", "IDARTBDT", "NMPROP", "NMKAB",
             "NMKEC", "NMKEL", "ALAMAT", "KET_TAMBAHAN", "TAHAP"],
    "BST": ["NO", "NO_IDENTITAS", "NO_KK", "NAMA_PENERIMA", "ALAMAT", "RT", "RW", "NAMA_KEL", "NAMA_KEC", "NAMA_KAB",
            "NAMA_PROV", "IDBDT", "TAHAP", "NOMINAL", "KETERANGAN"],
    "KPE": ["NO", "NIK", "NO_KK", "NAMA", "JENIS_KELAMIN", "TANGGAL_LAHIR", "ALAMAT", "RT", "RW", "DESA", "KECAMATAN",
            "NOMINAL", "KETERANGAN"],
}
# KPE (the regency's own list, typed by hand) arrives with other header spellings.
KPE_HEADER_WRITTEN = ["No", "N I K", "No. KK", "Nama", "Jenis Kelamin", "Tgl. Lahir", "Alamat", "RT", "RW", "Desa",
                      "Kecamatan", "Nominal (Rp)", "Ket."]
HUB_LABEL = {1: "KEPALA RUMAH TANGGA", 2: "ISTRI/SUAMI", 3: "ANAK", 4: "MENANTU", 5: "CUCU", 6: "ORANG TUA/MERTUA",
             7: "PEMBANTU RUTA", 8: "LAINNYA"}

DESIL_W = {
    "PKH": np.array([0.2, 10, 6, 2, 1.0]),     # index = desil (0 = other)
    "BPNT": np.array([0.3, 10, 8, 4, 2.5]),
    "BST": np.array([1.0, 3, 3, 3, 3]),
    "KPE": np.array([1.0, 2, 2, 2, 2]),
}


def _wsample(rng: np.random.Generator, cand: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Weighted sample without replacement (Efraimidis-Spirakis), sorted."""
    k = int(min(k, len(cand)))
    if k <= 0:
        return np.zeros(0, dtype=cand.dtype)
    keys = np.log(rng.random(len(cand))) / np.maximum(weights, 1e-9)
    top = np.argpartition(-keys, k - 1)[:k]
    return np.sort(cand[top])


def plan(w: World) -> None:
    """Choose recipients, create outsiders, set DTKS program flags of every period."""
    rng = stream(w.seed, "kpm-plan")
    kn = w.knobs
    N = {p: scaled(KPM_COUNTS[p], w.scale) for p in PROGRAMS}
    ft = family_table(w, N_PERIODS - 1)
    nf = len(ft)
    desil = ft["desil"].to_numpy()
    pos = np.arange(nf)
    u_rep = rng.random(nf)
    rep_f = np.where((ft["wife"].to_numpy() >= 0) & (u_rep < 0.92), ft["wife"], ft["head"]).astype(np.int64)
    rep_fm = np.where((ft["wife"].to_numpy() >= 0) & (u_rep < 0.92), ft["wife_m"], ft["head_m"]).astype(np.int64)
    n_out = {p: int(round(N[p] * kn.outsider_share[p])) for p in PROGRAMS}
    n_nl = {p: int(round(N[p] * kn.not_latest_share[p])) for p in PROGRAMS}
    n_dt = {p: N[p] - n_out[p] - n_nl[p] for p in PROGRAMS}

    # PKH: families with a component, desil 1-2 first
    wpk = DESIL_W["PKH"][desil] * np.where(ft["comp"].to_numpy(), 1.0, 0.1)
    pkh = _wsample(rng, pos, wpk, n_dt["PKH"])
    # BPNT: most PKH families plus others
    no_semb = rng.random(len(pkh)) < kn.pkh_no_sembako_share
    bp_from_pkh = pkh[~no_semb]
    rest = np.setdiff1d(pos, pkh)
    bpnt = np.union1d(bp_from_pkh, _wsample(rng, rest, DESIL_W["BPNT"][desil[rest]], n_dt["BPNT"] - len(bp_from_pkh)))
    # BST: families outside PKH/BPNT first, topped up from BPNT-only families
    pb = np.union1d(pkh, bpnt)
    rest = np.setdiff1d(pos, pb)
    bst = _wsample(rng, rest, DESIL_W["BST"][desil[rest]], n_dt["BST"])
    if len(bst) < n_dt["BST"]:
        more = np.setdiff1d(bpnt, pkh)
        bst = np.union1d(bst, _wsample(rng, more, np.ones(len(more)), n_dt["BST"] - len(bst)))
    # KPE: a few PKH/BPNT families (rule breach), the rest outside PKH/BPNT
    n_breach = int(round(N["KPE"] * kn.kpe_overlap_share))
    kpe_b = _wsample(rng, pb, np.ones(len(pb)), n_breach)
    kpe_r = _wsample(rng, rest, DESIL_W["KPE"][desil[rest]], n_dt["KPE"] - len(kpe_b))
    kpe = np.union1d(kpe_b, kpe_r)

    # not in the latest DTKS: families of households that left, as listed in their last period
    last = w.H["last"].to_numpy()
    nl_parts = []
    for p in range(N_PERIODS - 1):
        f = family_table(w, p)
        f = f[last[f["hh"].to_numpy()] == p].copy()
        f["p_src"] = p
        nl_parts.append(f)
    nl_pool = pd.concat(nl_parts, ignore_index=True)
    # a member who married out may be listed again in 2020-10 (new household): keep them out of this pool
    listed4 = np.unique(w.mp.loc[w.mp["p"] == N_PERIODS - 1, "person"].to_numpy())
    nl_pool = nl_pool[~np.isin(nl_pool["head"], listed4) & ~np.isin(nl_pool["wife"], listed4)].reset_index(drop=True)
    # blocks of one shuffled pool; BPNT re-uses the PKH block (the same KPM on both lists)
    perm = rng.permutation(len(nl_pool))
    extra_b = max(0, n_nl["BPNT"] - n_nl["PKH"])
    sizes = [n_nl["PKH"], extra_b, n_nl["BST"], n_nl["KPE"]]
    if sum(sizes) > len(perm):
        perm = rng.choice(len(nl_pool), size=sum(sizes), replace=True)
    cuts = np.cumsum([0, *sizes])
    blk = [perm[cuts[i]:cuts[i + 1]] for i in range(4)]
    nl_sel = {"PKH": blk[0], "BPNT": np.r_[blk[0], blk[1]][: n_nl["BPNT"]], "BST": blk[2], "KPE": blk[3]}
    nl_sel = {k: np.asarray(v, dtype=np.int64) for k, v in nl_sel.items()}

    # outsiders (people not in DTKS at all)
    start = _next_outsider_id(w)
    orng = stream(w.seed, "kpm-outsiders")
    x_pkh = outs.individuals(orng, n_out["PKH"], "kpm", kn, 0.9, 24, 55, start)
    start += len(x_pkh)
    share_pb = min(int(round(0.9 * len(x_pkh))), n_out["BPNT"])
    x_bpnt_new = outs.individuals(orng, n_out["BPNT"] - share_pb, "kpm", kn, 0.85, 24, 72, start)
    start += len(x_bpnt_new)
    x_bst = outs.individuals(orng, n_out["BST"], "kpm", kn, 0.3, 24, 78, start)
    start += len(x_bst)
    share_kb = min(int(round(0.2 * len(x_bst))), n_out["KPE"])
    x_kpe_new = outs.individuals(orng, n_out["KPE"] - share_kb, "kpm", kn, 0.35, 22, 72, start)
    X = pd.concat([x_pkh, x_bpnt_new, x_bst, x_kpe_new], ignore_index=True)
    X["group_key"] = X["outsider_id"]  # each KPM outsider has a KK of their own
    _add_outsiders(w, X)
    ox = {
        "PKH": x_pkh["outsider_id"].to_numpy(),
        "BPNT": np.r_[x_pkh["outsider_id"].to_numpy()[:share_pb], x_bpnt_new["outsider_id"].to_numpy()],
        "BST": x_bst["outsider_id"].to_numpy(),
        "KPE": np.r_[x_bst["outsider_id"].to_numpy()[:share_kb], x_kpe_new["outsider_id"].to_numpy()],
    }

    # rows per program: representative person
    head = ft["head"].to_numpy()
    head_m = ft["head_m"].to_numpy()
    nl_rep_u = rng.random(len(nl_pool))
    nl_wife = nl_pool["wife"].to_numpy() >= 0
    nl_rep_f = np.where(nl_wife & (nl_rep_u < 0.92), nl_pool["wife"], nl_pool["head"]).astype(np.int64)
    nl_rep_fm = np.where(nl_wife & (nl_rep_u < 0.92), nl_pool["wife_m"], nl_pool["head_m"]).astype(np.int64)
    same_rep = rng.random(len(kpe)) < 0.7  # KPE breach rows naming the PKH/BPNT pengurus (same NIK)
    rows = {}
    for p, fams in (("PKH", pkh), ("BPNT", bpnt), ("BST", bst), ("KPE", kpe)):
        female_rep = p in ("PKH", "BPNT")
        if female_rep:
            person, memb = rep_f[fams], rep_fm[fams]
        else:
            person, memb = head[fams], head_m[fams]
            if p == "KPE":
                br = np.isin(fams, pb) & same_rep
                person = np.where(br, rep_f[fams], person)
                memb = np.where(br, rep_fm[fams], memb)
        d = pd.DataFrame({"kind": "dtks", "fam": ft["fam"].to_numpy()[fams], "hh": ft["hh"].to_numpy()[fams],
                          "person": person, "m": memb, "p_src": N_PERIODS - 1, "desil": desil[fams],
                          "komponen": ft["komponen"].to_numpy()[fams], "outsider_id": None})
        sel = nl_pool.iloc[nl_sel[p]]
        nlp = nl_rep_f[nl_sel[p]] if female_rep else sel["head"].to_numpy()
        nlm = nl_rep_fm[nl_sel[p]] if female_rep else sel["head_m"].to_numpy()
        e = pd.DataFrame({"kind": "not_latest", "fam": sel["fam"].to_numpy(), "hh": sel["hh"].to_numpy(),
                          "person": nlp, "m": nlm, "p_src": sel["p_src"].to_numpy(), "desil": sel["desil"].to_numpy(),
                          "komponen": sel["komponen"].to_numpy(), "outsider_id": None})
        o = pd.DataFrame({"kind": "outsider", "fam": -1, "hh": -1, "person": -1, "m": -1, "p_src": -1, "desil": -1,
                          "komponen": "", "outsider_id": ox[p]})
        rows[p] = pd.concat([d, e, o], ignore_index=True)
    w.prog["rows"] = rows
    w.prog["no_kis"] = pkh[rng.random(len(pkh)) < kn.pkh_no_kis_share]
    w.prog["ft4"] = ft
    _program_flags(w, rng, ft, pkh, bpnt, nl_pool, nl_sel)
    log.info("KPM plan: %s", {p: len(r) for p, r in rows.items()})


def _next_outsider_id(w: World) -> int:
    return 1 if w.X is None or len(w.X) == 0 else int(w.X["outsider_id"].str[1:].astype(int).max()) + 1


def _add_outsiders(w: World, X: pd.DataFrame) -> None:
    w.X = X if w.X is None else pd.concat([w.X, X], ignore_index=True)


def _program_flags(w: World, rng, ft, pkh, bpnt, nl_pool, nl_sel) -> None:
    """Family-level PKH/BPNT spells over the periods and the ART flag columns derived from them."""
    nfam = len(w.F)
    mp = w.mp
    fam_first = mp.groupby("fam")["p"].min().reindex(range(nfam)).fillna(99).astype(int).to_numpy()
    spells = {}
    for prog, fams, nlk, former_rate, start_p in (
        ("pkh", ft["fam"].to_numpy()[pkh], nl_pool["fam"].to_numpy()[nl_sel["PKH"]], 0.06, [0.70, 0.08, 0.07, 0.07, 0.08]),
        ("bpnt", ft["fam"].to_numpy()[bpnt], nl_pool["fam"].to_numpy()[nl_sel["BPNT"]], 0.12, [0.55, 0.1, 0.1, 0.1, 0.15]),
    ):
        st = np.full(nfam, 99, dtype=np.int8)
        en = np.full(nfam, 99, dtype=np.int8)
        cur = np.r_[fams, nlk].astype(np.int64)
        s = rng.choice(N_PERIODS, size=len(cur), p=start_p)
        st[cur] = np.maximum(s, fam_first[cur])
        en[cur] = N_PERIODS
        # nl families: on the program at least in their last listed period
        nlp = nl_pool["p_src"].to_numpy()[nl_sel["PKH" if prog == "pkh" else "BPNT"]]
        st[nlk] = np.minimum(st[nlk], nlp)
        # former recipients (left the program before 2020-10)
        cand = np.flatnonzero((st == 99) & (fam_first < N_PERIODS - 1))
        fr = cand[rng.random(len(cand)) < former_rate]
        st[fr] = fam_first[fr]
        en[fr] = np.minimum(N_PERIODS - 1, fam_first[fr] + rng.integers(1, N_PERIODS, len(fr)))
        spells[prog] = (st, en)
    w.prog["spells"] = spells
    fam = mp["fam"].to_numpy()
    p = mp["p"].to_numpy()
    last = p == N_PERIODS - 1
    frng = stream(w.seed, "program-flags")
    for prog, col in (("pkh", "Ada_pkh"), ("bpnt", "Ada_BPNT")):
        st, en = spells[prog]
        on = (st[fam] <= p) & (p < en[fam])
        mp[f"_{prog}"] = on
        flag = np.where(on, 1, 2)
        noise = last & (frng.random(len(mp)) < w.knobs.flag_noise)
        flag = np.where(noise, 3 - flag, flag)
        mp[col] = flag.astype(np.int8)
    kks_u = frng.random(nfam)[fam]
    prog_on = mp["_pkh"].to_numpy() | mp["_bpnt"].to_numpy()
    mp["Ada_kks"] = np.where(prog_on, np.where(kks_u < 0.95, 1, 2), np.where(kks_u < 0.03, 1, 2)).astype(np.int8)
    desil = mp["desil"].to_numpy()
    rate = np.array([0.3, 0.88, 0.82, 0.7, 0.6])[desil]
    pbi_u = w.traits["pbi_u"].to_numpy()[mp["person"].to_numpy()]
    pbi = np.where(pbi_u < rate, 1, 2)
    # PKH families in 2020-10 hold PBI, except the chosen "no KIS" breach families
    pkh_fams4 = ft["fam"].to_numpy()[pkh]
    no_kis_fams = ft["fam"].to_numpy()[w.prog["no_kis"]]
    in_pkh4 = last & np.isin(fam, pkh_fams4)
    pbi = np.where(in_pkh4, 1, pbi)
    pbi = np.where(last & np.isin(fam, no_kis_fams), 2, pbi)
    mp["Ada_pbi"] = pbi.astype(np.int8)
    mp["Sta_kepesertaan_pbi"] = np.where(frng.random(len(mp)) < 0.02, 3 - pbi, pbi).astype(np.int8)
    kip_u = w.traits["kip_u"].to_numpy()[mp["person"].to_numpy()]
    age = mp["age"].to_numpy()
    school = (mp["Partisipasi_sekolah"].to_numpy() == 1) & (age >= 6) & (age <= 21)
    mp["Ada_kip"] = np.where(school & ((desil >= 1) & (desil <= 3) | mp["_pkh"].to_numpy()) & (kip_u < 0.6), 1, 2).astype(np.int8)
    # numbers: PKH participant number and KKS card per family ever on a program
    t = desa_table()
    ever_pkh = np.flatnonzero(spells["pkh"][0] < 99)
    ever_kks = np.flatnonzero((spells["pkh"][0] < 99) | (spells["bpnt"][0] < 99))
    nrng = stream(w.seed, "program-numbers")
    fam_desa = w.pop.hh_desa[w.F["hh"].to_numpy(), np.minimum(fam_first, N_PERIODS - 1)]
    nopes = np.full(nfam, "", dtype=object)
    ser = nrng.permutation(len(ever_pkh)) + 1
    nopes[ever_pkh] = "P" + t["kode_bps"].to_numpy()[fam_desa[ever_pkh]] + np.char.zfill(ser.astype(str), 6).astype(object)
    kks = np.full(nfam, "", dtype=object)
    kk_num = nrng.choice(10**11, size=len(ever_kks), replace=False) + 6013 * 10**12 + 10**11 * nrng.integers(0, 10, len(ever_kks))
    kks[ever_kks] = np.char.zfill(kk_num.astype(str), 16).astype(object)
    w.F["no_pkh"] = nopes
    w.F["no_kks"] = kks
    w.F["pkh_start"] = spells["pkh"][0]
    w.F["bpnt_start"] = spells["bpnt"][0]
    mp["NoPesertaPKH"] = np.where(mp["_pkh"].to_numpy(), nopes[fam], "")
    mp["_kks_no"] = np.where(prog_on, kks[fam], "")


# --------------------------------------------------------------------------- rendering
def write(w: World) -> None:
    """Render the four KPM workbooks."""
    for prog in PROGRAMS:
        lg, lay = _logical(w, prog)
        rng = stream(w.seed, f"kpm-mess-{prog}")
        rates = {"PKH": ms.NikRates().scaled(0.6), "BPNT": ms.NikRates(), "BST": ms.NikRates(),
                 "KPE": ms.NikRates(float_lost_digit=0.10)}[prog]
        r = render(lg, lay, w.out_dir, rng, w.messy, rates)
        w.records.append(r.records)
        w.anomalies.append(r.anomalies)
        w.files[lg.file] = {"rows": r.rows, "source": f"kpm:{prog}"}
        log.info("wrote %s (%d rows)", lg.file, r.rows)


def _people(w: World, rows: pd.DataFrame) -> pd.DataFrame:
    """Identity, KK and location of each KPM row (DTKS person or outsider)."""
    t = desa_table()
    P, X, H, F = w.P, w.X.set_index("outsider_id"), w.H, w.F
    n = len(rows)
    isd = rows["kind"].to_numpy() != "outsider"
    person = rows["person"].to_numpy()
    hh = rows["hh"].to_numpy()
    out = pd.DataFrame(index=range(n))
    oid = rows["outsider_id"].to_numpy()
    xo = X.reindex(np.where(isd, None, oid))
    pi = np.where(isd, person, 0)
    out["name"] = np.where(isd, P["name"].to_numpy()[pi], xo["name"].to_numpy())
    out["female"] = np.where(isd, P["female"].to_numpy()[pi], xo["female"].to_numpy()).astype(bool)
    out["birth"] = np.where(isd, P["birth"].to_numpy()[pi], xo["birth"].to_numpy()).astype(np.int64)
    out["nik"] = np.where(isd, P["nik"].to_numpy()[pi], xo["nik"].to_numpy())
    out["person_id"] = np.where(isd, P["person_id"].to_numpy()[pi], None)
    hi = np.where(isd, hh, 0)
    out["household_id"] = np.where(isd, H["idbdt"].to_numpy()[hi], None)
    fam = rows["fam"].to_numpy()
    fi = np.where(isd, fam, 0)
    out["kk"] = np.where(isd, F["kk"].to_numpy()[fi], xo["kk"].to_numpy())
    psrc = np.where(isd, rows["p_src"].to_numpy(), 0)
    desa = np.where(isd, w.pop.hh_desa[hi, psrc], xo["desa"].to_numpy()).astype(np.int64)
    out["desa"] = desa
    out["kec_name"] = t["nama_kecamatan"].str.upper().to_numpy()[desa]
    out["desa_name"] = t["nama_desa"].str.upper().to_numpy()[desa]
    out["desa_split"] = t["split_name"].to_numpy()[desa]
    out["kdkec"] = t["kdkec"].to_numpy()[desa]
    out["kddesa"] = t["kddesa"].to_numpy()[desa]
    dusun = np.where(isd, H["dusun"].to_numpy()[hi], xo["dusun"].to_numpy())
    rt = np.where(isd, H["rt"].to_numpy()[hi], xo["rt"].to_numpy()).astype(int)
    rw = np.where(isd, H["rw"].to_numpy()[hi], xo["rw"].to_numpy()).astype(int)
    out["rt"] = np.char.zfill(rt.astype(str), 3).astype(object)
    out["rw"] = np.char.zfill(rw.astype(str), 3).astype(object)
    al_d = H["alamat"].to_numpy()[hi] if w.messy else H["alamat_canon"].to_numpy()[hi]
    out["alamat"] = np.where(isd, al_d, "DUSUN " + dusun.astype(object) + " RT " + out["rt"] + " RW " + out["rw"])
    out["idbdt"] = np.where(isd, out["household_id"], "")
    m = rows["m"].to_numpy()
    out["idartbdt"] = np.where(isd, w.pop.members["idartbdt"][np.maximum(m, 0)], "")
    out["member_no"] = np.where(isd, w.pop.members["member_no"][np.maximum(m, 0)], 1)
    mp_hub = _hub_at(w, rows)
    out["hub"] = np.where(isd, mp_hub, np.where(out["female"], 2, 1))
    out["nuk"] = np.where(isd, _nuk_at(w, rows), 1)
    out["no_pkh"] = np.where(isd, F["no_pkh"].to_numpy()[fi], "")
    out["no_kks"] = np.where(isd, F["no_kks"].to_numpy()[fi], "")
    out["pkh_start"] = np.where(isd, F["pkh_start"].to_numpy()[fi], N_PERIODS - 1)
    return out


def _hub_at(w: World, rows: pd.DataFrame) -> np.ndarray:
    key = pd.DataFrame({"m": rows["m"].to_numpy(), "p": rows["p_src"].to_numpy()})
    mp = w.mp[["m", "p", "hub"]]
    return key.merge(mp, on=["m", "p"], how="left")["hub"].fillna(1).astype(int).to_numpy()


def _nuk_at(w: World, rows: pd.DataFrame) -> np.ndarray:
    key = pd.DataFrame({"m": rows["m"].to_numpy(), "p": rows["p_src"].to_numpy()})
    mp = w.mp[["m", "p", "nuk"]]
    return key.merge(mp, on=["m", "p"], how="left")["nuk"].fillna(1).astype(int).to_numpy()


def _ident(rows: pd.DataFrame, ppl: pd.DataFrame) -> np.ndarray:
    """An identity key per row: the DTKS person_id or the outsider id."""
    return np.where(ppl["person_id"].notna(), ppl["person_id"], rows["outsider_id"]).astype(object)


def _logical(w: World, prog: str) -> tuple[Logical, Layout]:
    rng = stream(w.seed, f"kpm-rows-{prog}")
    rows = w.prog["rows"][prog]
    ppl = _people(w, rows)
    # order: kecamatan, desa, then shuffled (PKH: by participant number)
    t = desa_table()
    kec_order = {k.upper(): i for i, k in enumerate(kecamatan_names())}
    order = np.lexsort((rng.random(len(rows)), ppl["desa_name"].to_numpy(), ppl["kec_name"].map(kec_order).to_numpy()))
    rows = rows.iloc[order].reset_index(drop=True)
    ppl = ppl.iloc[order].reset_index(drop=True)
    n = len(rows)
    isd = (rows["kind"] != "outsider").to_numpy()

    # content anomalies -------------------------------------------------------
    content = []
    content.append((np.flatnonzero(~isd), "not_in_dtks", None, "KPM not in any DTKS period"))
    content.append((np.flatnonzero(rows["kind"].to_numpy() == "not_latest"), "not_in_latest_dtks", None,
                    "household left DTKS before 2020-10"))
    ids = _ident(rows, ppl)
    other_ids = {p: set(_ident(w.prog["rows"][p], _people_ids(w, w.prog["rows"][p]))) for p in PROGRAMS if p != prog}
    other_fams = {p: set(w.prog["rows"][p]["fam"][w.prog["rows"][p]["fam"] >= 0]) for p in PROGRAMS if p != prog}
    fam = rows["fam"].to_numpy()
    if prog == "PKH":
        in_semb = np.array([i in other_ids["BPNT"] for i in ids]) | (np.isin(fam, list(other_fams["BPNT"])) & (fam >= 0))
        content.append((np.flatnonzero(~in_semb), "breach_pkh_no_sembako", None, "PKH KPM not on the Sembako list"))
        nk = np.isin(fam, w.prog["ft4"]["fam"].to_numpy()[w.prog["no_kis"]]) & (rows["kind"].to_numpy() == "dtks")
        content.append((np.flatnonzero(nk), "breach_pkh_no_kis", None, "family members have Ada_pbi = 2 in DTKS 2020-10"))
    if prog == "KPE":
        same_nik = np.array([(i in other_ids["PKH"]) or (i in other_ids["BPNT"]) for i in ids])
        same_kk = (np.isin(fam, list(other_fams["PKH"] | other_fams["BPNT"])) & (fam >= 0)) & ~same_nik
        content.append((np.flatnonzero(same_nik), "breach_kpe_overlap", None, "same person on PKH/Sembako"))
        content.append((np.flatnonzero(same_kk), "breach_kpe_overlap", None, "same family (KK) on PKH/Sembako"))
    # NIK ganda: a row carries the NIK of another KPM (different person and name)
    ganda = np.flatnonzero(rng.random(n) < w.knobs.nik_ganda_share)
    nik_written = ppl["nik"].to_numpy().copy()
    donors_pool = np.concatenate([_people_niks(w, w.prog["rows"][p]) for p in PROGRAMS])
    for i in ganda:
        for _ in range(10):
            cand = donors_pool[rng.integers(0, len(donors_pool))] if rng.random() < 0.5 else nik_written[rng.integers(0, n)]
            if cand != ppl["nik"].iat[i]:
                nik_written[i] = cand
                break
    ganda = ganda[nik_written[ganda] != ppl["nik"].to_numpy()[ganda]]
    content.append((ganda, "nik_ganda", None, "NIK of another person"))
    skip = np.zeros(n, dtype=bool)
    skip[ganda] = True

    truth = pd.DataFrame(
        {
            "person_id": ppl["person_id"].to_numpy(),
            "household_id": ppl["household_id"].to_numpy(),
            "outsider_id": rows["outsider_id"].to_numpy(),
            "nik_true": ppl["nik"].to_numpy(),
            "kk_true": ppl["kk"].to_numpy(),
            "name_true": ppl["name"].to_numpy(),
            "family_kk": ppl["kk"].to_numpy(),
            "period": None,
            "established": None,
        }
    )
    name = ppl["name"].to_numpy()
    sex_kd = np.where(ppl["female"], 2, 1)
    cols: dict[str, np.ndarray] = {}
    date_col = name_col = desa_col = None
    if prog == "PKH":
        year = np.where(ppl["pkh_start"].to_numpy() <= 0, rng.integers(2012, 2019, n),
                        np.where(ppl["pkh_start"].to_numpy() <= 2, 2019, 2020))
        nop = ppl["no_pkh"].to_numpy().copy()
        miss = nop == ""
        nop[miss] = "P" + t["kode_bps"].to_numpy()[ppl["desa"].to_numpy()[miss]] + np.char.zfill(
            (900000 + np.arange(miss.sum())).astype(str), 6).astype(object)
        komp = rows["komponen"].to_numpy().copy()
        komp[komp == ""] = rng.choice(["ANAK SD", "ANAK USIA DINI", "LANJUT USIA", "ANAK SMP"], size=(komp == "").sum())
        hub = ppl["hub"].to_numpy()
        cols = {
            "NOPESERTA": nop, "TAHUNKEPESERTAAN": year.astype(str).astype(object), "NMPENGURUS": name,
            "NOART": np.char.zfill(ppl["member_no"].to_numpy().astype(str), 2).astype(object), "NAMAART": name,
            "TGL_LHR": ppl["birth"].to_numpy(), "JNSKEL_KD": sex_kd.astype(str).astype(object),
            "JNSKEL": np.where(ppl["female"], "PEREMPUAN", "LAKI-LAKI").astype(object),
            "HUBKRT_KD": hub.astype(str).astype(object), "HUB_KRT": np.array([HUB_LABEL[h] for h in hub], dtype=object),
            "NIK": nik_written, "NOKK": ppl["kk"].to_numpy(), "KDPROP": np.full(n, "35", object),
            "NMPROP": np.full(n, "JAWA TIMUR", object), "KDKABU": np.full(n, "03", object),
            "NMKABU": np.full(n, "TRENGGALEK", object), "KDKECA": ppl["kdkec"].to_numpy(), "NMKECA": ppl["kec_name"].to_numpy(),
            "KDKELR": ppl["kddesa"].to_numpy(), "NMKELR": ppl["desa_name"].to_numpy(), "ALAMAT": ppl["alamat"].to_numpy(),
            "KOMPONEN": komp, "TAHAP": np.full(n, "3", object),
        }
        nik_col, kk_col, name_col, date_col, desa_col = "NIK", "NOKK", "NAMAART", "TGL_LHR", "NMKELR"
        order = np.argsort(nop, kind="stable")
        lay = Layout(kind="xlsx", sheet="Sheet1")
    elif prog == "BPNT":
        kks = ppl["no_kks"].to_numpy().copy()
        miss = kks == ""
        kks[miss] = np.char.zfill((6013 * 10**12 + 5 * 10**11 + rng.choice(10**11, miss.sum(), replace=False)).astype(str), 16).astype(object)
        idkel = np.where(isd, ppl["idbdt"].to_numpy().astype(object) + np.char.zfill(ppl["nuk"].to_numpy().astype(str), 3).astype(object), "")
        ket = rng.choice(np.array(["CLEAN", "UNCLEAN", "NONAKTIF"], dtype=object), size=n, p=[0.93, 0.05, 0.02])
        ket[ganda] = "UNCLEAN"
        cols = {
            "NOMOR_KARTU": kks, "NIK_KTP": nik_written, "NAMA_PENERIMA": name, "NOKK_DTKS": ppl["kk"].to_numpy(),
            "IDKELUARGA": idkel, "IDARTBDT": ppl["idartbdt"].to_numpy(), "NMPROP": np.full(n, "JAWA TIMUR", object),
            "NMKAB": np.full(n, "KAB. TRENGGALEK", object), "NMKEC": ppl["kec_name"].to_numpy(),
            "NMKEL": ppl["desa_name"].to_numpy(), "ALAMAT": ppl["alamat"].to_numpy(), "KET_TAMBAHAN": ket,
            "TAHAP": np.full(n, "8", object),
        }
        nik_col, kk_col, name_col, desa_col = "NIK_KTP", "NOKK_DTKS", "NAMA_PENERIMA", "NMKEL"
        order = np.arange(n)
        sheet_of = ppl["kec_name"].to_numpy()
        kec_list = [k.upper() for k in kecamatan_names()]
        counts = pd.Series(sheet_of).value_counts().to_dict()
        lay = Layout(
            kind="xlsx", sheet_of=sheet_of, sheet_order=[k for k in kec_list if k in counts],
            titles=lambda s: [["DAFTAR KPM PROGRAM SEMBAKO TAHAP 8 AGUSTUS 2020"], [f"KABUPATEN TRENGGALEK - KECAMATAN {s}"], []],
            totals=lambda s, k: ["JUMLAH", None, k],
            blank_share=0.0004,
        )
    elif prog == "BST":
        ket = rng.choice(np.array(["", "", "", "", "PENGGANTI", "SUDAH SALUR"], dtype=object), size=n)
        cols = {
            "NO": None, "NO_IDENTITAS": nik_written, "NO_KK": ppl["kk"].to_numpy(), "NAMA_PENERIMA": name,
            "ALAMAT": ppl["alamat"].to_numpy(), "RT": ppl["rt"].to_numpy(), "RW": ppl["rw"].to_numpy(),
            "NAMA_KEL": ppl["desa_name"].to_numpy(), "NAMA_KEC": ppl["kec_name"].to_numpy(),
            "NAMA_KAB": np.full(n, "TRENGGALEK", object), "NAMA_PROV": np.full(n, "JAWA TIMUR", object),
            "IDBDT": ppl["idbdt"].to_numpy(), "TAHAP": np.full(n, "3", object), "NOMINAL": np.full(n, 600000.0, object),
            "KETERANGAN": ket,
        }
        nik_col, kk_col, name_col, desa_col = "NO_IDENTITAS", "NO_KK", "NAMA_PENERIMA", "NAMA_KEL"
        order = np.arange(n)
        rekap = _rekap(ppl["kec_name"].to_numpy())
        lay = Layout(
            kind="xlsx", sheet="BNBA",
            titles=lambda s: [["DAFTAR PENERIMA BANTUAN SOSIAL TUNAI (BST) TAHAP 3"], ["KABUPATEN TRENGGALEK PROVINSI JAWA TIMUR"], []],
            totals=lambda s, k: ["JUMLAH", None, None, k, None, None, None, None, None, None, None, None, None, float(k * 600000)],
            blank_share=0.0003, extra_sheets=[rekap],
        )
    else:  # KPE
        cols = {
            "NO": None, "NIK": nik_written, "NO_KK": ppl["kk"].to_numpy(), "NAMA": name,
            "JENIS_KELAMIN": np.where(ppl["female"], "P", "L").astype(object), "TANGGAL_LAHIR": ppl["birth"].to_numpy(),
            "ALAMAT": ppl["alamat"].to_numpy(), "RT": ppl["rt"].to_numpy(), "RW": ppl["rw"].to_numpy(),
            "DESA": ppl["desa_name"].to_numpy(), "KECAMATAN": ppl["kec_name"].to_numpy(),
            "NOMINAL": np.full(n, 100000.0, object), "KETERANGAN": np.full(n, "", object),
        }
        nik_col, kk_col, name_col, date_col, desa_col = "NIK", "NO_KK", "NAMA", "TANGGAL_LAHIR", "DESA"
        order = np.arange(n)
        lay = Layout(kind="xlsx", sheet="KPE", header_written=KPE_HEADER_WRITTEN,
                     titles=lambda s: [["DATA PENERIMA KARTU PENYANGGA EKONOMI (KPE) KABUPATEN TRENGGALEK"]],
                     blank_share=0.0005)
    # apply order
    cols = {k: (None if v is None else np.asarray(v, dtype=object)[order]) for k, v in cols.items()}
    if "NO" in cols:
        cols["NO"] = np.arange(1, n + 1).astype(float).astype(object)
    truth = truth.iloc[order].reset_index(drop=True)
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    content = [(np.sort(inv[idx]), k, c, d) for idx, k, c, d in content]
    skip = skip[order]
    female = ppl["female"].to_numpy()[order]
    desa_split = ppl["desa_split"].to_numpy()[order]
    if lay.sheet_of is not None:
        lay.sheet_of = lay.sheet_of[order]
    lg = Logical(source=f"kpm:{prog}", file=FILES[prog], header=HEADERS[prog], cols=cols, truth=truth, female=female,
                 nik_col=nik_col, kk_col=kk_col, name_col=name_col, date_col=date_col, desa_col=desa_col,
                 desa_split=desa_split, content=content, skip_nik_mess=skip)
    return lg, lay


def _people_ids(w: World, rows: pd.DataFrame) -> pd.DataFrame:
    pid = np.where(rows["kind"].to_numpy() != "outsider", w.P["person_id"].to_numpy()[np.maximum(rows["person"].to_numpy(), 0)], None)
    return pd.DataFrame({"person_id": pid})


def _people_niks(w: World, rows: pd.DataFrame) -> np.ndarray:
    isd = rows["kind"].to_numpy() != "outsider"
    x = w.X.set_index("outsider_id")["nik"]
    return np.where(isd, w.P["nik"].to_numpy()[np.maximum(rows["person"].to_numpy(), 0)],
                    x.reindex(rows["outsider_id"].where(~isd, None)).to_numpy())


def _rekap(kec: np.ndarray) -> SheetSpec:
    counts = pd.Series(kec).value_counts()
    data = []
    for i, k in enumerate([k.upper() for k in kecamatan_names()]):
        c = int(counts.get(k, 0))
        data.append([float(i + 1), k, float(c), float(c * 600000)])
    return SheetSpec(name="Rekap", header=["NO", "KECAMATAN", "JUMLAH KPM", "NOMINAL (Rp)"], data=data,
                     title_rows=[["REKAPITULASI BST TAHAP 3 PER KECAMATAN"], []],
                     totals=["JUMLAH", None, float(counts.sum()), float(counts.sum() * 600000)])
