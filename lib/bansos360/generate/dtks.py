"""DTKS zips: ``3503_ART.csv`` and ``3503_RT.csv`` per penetapan period.

Default layout everywhere (raw-formats §2-3: 42 ART and 59 RT columns, comma, UTF-8, no BOM).
With messiness: 2018-05 uses the older BDT layouts (RT 71 columns with ``Percentile`` only, ART
with pengurus columns); 2019-07 spells some RT headers differently; 2019-10 is ``;``-delimited and
cp1252-encoded; TglLahir is sometimes ``DD/MM/YYYY`` or the literal ``NULL``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pyarrow as pa

from bansos360.generate.params import KDKAB, KDPROP, PERIODS, iso, stream, ymd
from bansos360.generate.reference import desa_table
from bansos360.generate.tables import ANOMALY_COLUMNS
from bansos360.generate.world import World
from bansos360.generate.writers import csv_text, int_col, write_zip

log = logging.getLogger(__name__)

ART_HEADER = (
    "IDBDT,IDARTBDT,KDPROP,KDKAB,KDKEC,KDDESA,NoPesertaPKH,Nama,JnsKel,TmpLahir,TglLahir,HubKRT,NIK,NoKK,Hub_KRT,NUK,"
    "Hubkel,Umur,Sta_kawin,Ada_akta_nikah,Ada_diKK,Ada_kartu_identitas,Sta_hamil,Jenis_cacat,Penyakit_kronis,"
    "Partisipasi_sekolah,Pendidikan_tertinggi,Kelas_tertinggi,Ijazah_tertinggi,Sta_Bekerja,Jumlah_jamkerja,"
    "Lapangan_usaha,Status_pekerjaan,Sta_keberadaan_art,Sta_kepesertaan_pbi,Ada_kks,Ada_pbi,Ada_kip,Ada_pkh,Ada_BPNT,"
    "Anak_diluar_rt,namagadis_ibukandung"
).split(",")
ART_HEADER_2018 = (
    "IDARTBDT,IDBDT,RUTA6,NoPesertaPBDT,KDPROP,KDKAB,KDKEC,KDDESA,NoPesertaPKH,ada_pkh,NoPesertaKKS2016,NoPesertaPBI,"
    "NoArtPBI,Nama,JnsKel,TmpLahir,TglLahir,NIK,NoKK,Hub_KRT,NUK,Hubkel,Sta_kawin,Ada_akta_nikah,Ada_diKK,"
    "Ada_kartu_identitas,Ada_kks,Sta_hamil,Jenis_cacat,Penyakit_kronis,Partisipasi_sekolah,Pendidikan_tertinggi,"
    "Kelas_tertinggi,Ijazah_tertinggi,Sta_Bekerja,Jumlah_jamkerja,Lapangan_usaha,Status_pekerjaan,IDPENGURUS,"
    "Alamat_Pengurus,MasukKuota,BSP,Pengurus_Lainnya"
).split(",")
RT_HEADER = (
    "IDBDT,KDPROP,KDKAB,KDKEC,KDDESA,NoPesertaPKH,NoPesertaKKS2016,Alamat,Nama_SLS,Nama_KRT,Jumlah_ART,Jumlah_Keluarga,"
    "sta_bangunan,sta_lahan,luas_lantai,lantai,dinding,kondisi_dinding,atap,kondisi_atap,jumlah_kamar,sumber_airminum,"
    "nomor_meter_air,cara_peroleh_airminum,sumber_penerangan,daya,nomor_pln,bb_masak,nomor_gas,fasbab,kloset,"
    "buang_tinja,ada_tabung_gas,ada_lemari_es,ada_ac,ada_pemanas,ada_telepon,ada_tv,ada_emas,ada_laptop,ada_sepeda,"
    "ada_motor,ada_mobil,ada_perahu,ada_motor_tempel,ada_perahu_motor,ada_kapal,aset_tak_bergerak,luas_atb,rumah_lain,"
    "jumlah_sapi,jumlah_kerbau,jumlah_kuda,jumlah_babi,jumlah_kambing,sta_art_usaha,sta_keberadaan_RT,percentile,"
    "status_kesejahteraan"
).split(",")
RT_HEADER_2017 = (
    "IDBDT,RUTA6,NoPesertaPBDT,KDPROP,KDKAB,KDKEC,KDDESA,Alamat,NoPesertaPKH,NoPesertaKKS2016,NoPesertaPBI,PesertaKIP,"
    "Nama_SLS,Nama_KRT,Jumlah_ART,Jumlah_Keluarga,Sta_bangunan,Sta_lahan,Luas_lantai,Lantai,Dinding,Kondisi_dinding,"
    "Atap,Kondisi_atap,Jumlah_kamar,Sumber_airminum,Nomor_meter_air,cara_proleh_airminum,Sumber_penerangan,Daya,"
    "Nomor_PLN,bb_masak,Nomor_gas,Fasbab,Kloset,Buang_tinja,Ada_tabung_gas,Ada_lemari_es,Ada_ac,Ada_pemanas,Ada_telpon,"
    "Ada_tv,Ada_emas,Ada_laptop,Ada_sepeda,Ada_motor,Ada_mobil,Ada_perahu,Ada_motor_tempel,Ada_perahu_motor,Ada_kapal,"
    "Aset_tak_bergerak,Luas_atb,Rumah_lain,Jumlah_sapi,Jumah_kerbau,Jumlah_kuda,Jumlah_babi,Jumlah_kambing,"
    "Sta_art_usaha,Sta_kks,Sta_kip,Sta_kis,Sta_bpjs_mandiri,Sta_jamsostek,Sta_asuransi,Sta_pkh,Sta_rastra,Sta_kur,"
    "Sta_keberadaan_RT,Percentile"
).split(",")
# 2019-07: same columns as the default, some spelled as in older releases (raw-formats §1, §7)
RT_2019_07_SPELLING = {
    "sta_bangunan": "Sta_bangunan", "sta_lahan": "Sta_lahan", "luas_lantai": "Luas_lantai",
    "ada_telepon": "Ada_telpon", "nomor_pln": "Nomor_PLN", "cara_peroleh_airminum": "cara_proleh_airminum",
    "jumlah_kerbau": "Jumah_kerbau", "percentile": "Percentile",
}
_ALIASES = {"ada_telpon": "ada_telepon", "jumah_kerbau": "jumlah_kerbau", "cara_proleh_airminum": "cara_peroleh_airminum"}
HUB_TEXT = {1: "Kepala Rumah Tangga", 2: "Istri/Suami", 3: "Anak", 4: "Menantu", 5: "Cucu", 6: "Orang Tua/Mertua",
            7: "Pembantu Ruta", 8: "Lainnya"}
_INT_ART = ["Hub_KRT", "NUK", "Hubkel", "Umur", "Sta_kawin", "Ada_akta_nikah", "Ada_diKK", "Ada_kartu_identitas",
            "Sta_hamil", "Jenis_cacat", "Penyakit_kronis", "Partisipasi_sekolah", "Pendidikan_tertinggi",
            "Kelas_tertinggi", "Ijazah_tertinggi", "Sta_Bekerja", "Jumlah_jamkerja", "Lapangan_usaha",
            "Status_pekerjaan", "Sta_keberadaan_art", "Sta_kepesertaan_pbi", "Ada_kks", "Ada_pbi", "Ada_kip", "Ada_pkh",
            "Ada_BPNT", "Anak_diluar_rt"]


def zip_name(period: str) -> str:
    return f"dtks/3503_DTKS_{period}.zip"


def write(w: World) -> dict[str, dict]:
    """Write the five zips; returns per-period row counts."""
    counts = {}
    for p, period in enumerate(PERIODS):
        art, art_an, art_rows = _art(w, p)
        rt, rt_an, rt_rows = _rt(w, p)
        delim, enc = (";", "cp1252") if (w.messy and period == "2019-10") else (",", "utf-8")
        members = [("3503_ART.csv", art.encode(enc)), ("3503_RT.csv", rt.encode(enc))]
        write_zip(w.out_dir / zip_name(period), members)
        fname = zip_name(period)
        file_an = []
        if delim != ",":
            for mem in ("3503_ART.csv", "3503_RT.csv"):
                file_an.append([mem, 1, None, "csv_delimiter", "delimiter ';'"])
                file_an.append([mem, 1, None, "csv_encoding", "cp1252"])
        an = pd.concat([art_an, rt_an, pd.DataFrame(file_an, columns=["sheet", "row_number", "column", "kind", "detail"])],
                       ignore_index=True)
        an["source"] = "dtks"
        an["file"] = fname
        an["row_number"] = an["row_number"].astype("Int64")
        w.anomalies.append(an[ANOMALY_COLUMNS])
        w.files[fname] = {"rows": {"3503_ART.csv": art_rows, "3503_RT.csv": rt_rows}, "source": "dtks", "period": period}
        counts[period] = {"art": art_rows, "rt": rt_rows}
        log.info("wrote %s (ART %d, RT %d rows)", fname, art_rows, rt_rows)
    return counts


def _sorted_rows(w: World, p: int) -> pd.DataFrame:
    mp = w.mp[w.mp["p"] == p]
    idbdt = w.H["idbdt"].to_numpy()[mp["hh"].to_numpy()]
    mno = w.pop.members["member_no"][mp["m"].to_numpy()]
    order = np.lexsort((mno, idbdt))
    return mp.iloc[order].reset_index(drop=True)


def _art(w: World, p: int) -> tuple[str, pd.DataFrame, int]:
    period = PERIODS[p]
    rng = stream(w.seed, f"dtks-art-{period}")
    mp = _sorted_rows(w, p)
    n = len(mp)
    t = desa_table()
    person = mp["person"].to_numpy()
    m = mp["m"].to_numpy()
    hh = mp["hh"].to_numpy()
    desa = mp["desa"].to_numpy()
    P = w.P
    birth = P["birth"].to_numpy()[person]
    tgl = iso(birth)
    an = []
    if w.messy:
        u = rng.random(n)
        dmy = u < 0.02
        null = (u >= 0.02) & (u < 0.023)
        y, mo, d = ymd(birth[dmy])
        tgl[dmy] = [f"{a:02d}/{b:02d}/{c:04d}" for a, b, c in zip(d, mo, y, strict=True)]
        tgl[null] = "NULL"
        an.append(pd.DataFrame({"row": np.flatnonzero(dmy), "kind": "date_text_dmy", "detail": "DD/MM/YYYY"}))
        an.append(pd.DataFrame({"row": np.flatnonzero(null), "kind": "date_null", "detail": "literal NULL"}))
    an_df = pd.concat(an, ignore_index=True) if an else pd.DataFrame(columns=["row", "kind", "detail"])
    an_df["column"] = "TglLahir"
    mism = P["mismatch"].to_numpy()[person]
    mm = np.flatnonzero(pd.notna(mism))
    an_df = pd.concat([an_df, pd.DataFrame({"row": mm, "kind": "dtks_nik_lahir_mismatch", "column": "NIK",
                                             "detail": "NIK encodes another " + mism[mm].astype(str)})], ignore_index=True)
    fam = mp["fam"].to_numpy()
    vals = {
        "IDBDT": w.H["idbdt"].to_numpy()[hh],
        "IDARTBDT": w.pop.members["idartbdt"][m],
        "KDPROP": np.full(n, KDPROP, object),
        "KDKAB": np.full(n, KDKAB, object),
        "KDKEC": t["kdkec"].to_numpy()[desa],
        "KDDESA": t["kddesa"].to_numpy()[desa],
        "NoPesertaPKH": mp["NoPesertaPKH"].to_numpy(),
        "Nama": P["name"].to_numpy()[person],
        "JnsKel": np.where(P["female"].to_numpy()[person], 2, 1),
        "TmpLahir": P["birth_place"].to_numpy()[person],
        "TglLahir": tgl,
        "NIK": P["nik"].to_numpy()[person],
        "NoKK": w.F["kk"].to_numpy()[fam],
        "namagadis_ibukandung": P["mother_name"].to_numpy()[person],
    }
    hub_txt = np.array([""] + [HUB_TEXT[i] for i in range(1, 9)], dtype=object)
    vals["HubKRT"] = hub_txt[mp["hub"].to_numpy()]
    vals["Hub_KRT"] = mp["hub"].to_numpy()
    vals["NUK"] = mp["nuk"].to_numpy()
    vals["Hubkel"] = mp["hubkel"].to_numpy()
    for c in _INT_ART:
        if c not in vals:
            vals[c] = mp[c].to_numpy()
    if w.messy and p == 0:
        header = ART_HEADER_2018
        ruta6 = np.array([s[-6:] for s in vals["IDBDT"]], dtype=object)
        vals["RUTA6"] = ruta6
        vals["NoPesertaPBDT"] = np.array([s[:10] + "15" + s[-6:] for s in vals["IDBDT"]], dtype=object)
        vals["ada_pkh"] = vals["Ada_pkh"]
        vals["NoPesertaKKS2016"] = mp["_kks_no"].to_numpy()
        vals["NoPesertaPBI"] = np.full(n, "", object)
        vals["NoArtPBI"] = np.full(n, "", object)
        bpnt = mp["_bpnt"].to_numpy()
        rep = _family_rep_idart(w, mp)
        vals["IDPENGURUS"] = np.where(bpnt, rep, "")
        vals["Alamat_Pengurus"] = np.where(bpnt, w.H["alamat"].to_numpy()[hh], "")
        vals["MasukKuota"] = np.where(bpnt, 1, 0)
        vals["BSP"] = np.where(bpnt, 1, 0)
        vals["Pengurus_Lainnya"] = np.full(n, "", object)
        an_df = pd.concat([an_df, pd.DataFrame([{"row": -1, "kind": "layout_variant", "column": None,
                                                 "detail": "BDT 2018 ART layout with pengurus columns (43 cols)"}])],
                          ignore_index=True)
    else:
        header = ART_HEADER
    cols = [_col(vals[h]) for h in header]
    delim = ";" if (w.messy and PERIODS[p] == "2019-10") else ","
    text = csv_text(header, cols, delimiter=delim)
    an_df["sheet"] = "3503_ART.csv"
    an_df["row_number"] = np.where(an_df["row"].to_numpy() < 0, 1, an_df["row"].to_numpy() + 2)
    # truth: line of each membership-period in the ART file
    w.mp.loc[_index_of(w, p, mp), "art_row"] = np.arange(n) + 2
    return text, an_df.drop(columns="row"), n


def _index_of(w: World, p: int, sorted_mp: pd.DataFrame) -> np.ndarray:
    """Positions in ``w.mp`` of the rows of ``sorted_mp`` (same m and p)."""
    sub = w.mp.index[w.mp["p"].to_numpy() == p]
    m_all = w.mp["m"].to_numpy()[sub]
    pos = pd.Series(sub, index=m_all)
    return pos.reindex(sorted_mp["m"].to_numpy()).to_numpy()


def _family_rep_idart(w: World, mp: pd.DataFrame) -> np.ndarray:
    """IDARTBDT of each row's family pengurus (wife if any, else the family head)."""
    fem = w.P["female"].to_numpy()[mp["person"].to_numpy()]
    idart = w.pop.members["idartbdt"][mp["m"].to_numpy()]
    df = pd.DataFrame({"fam": mp["fam"].to_numpy(), "score": np.where((mp["hubkel"].to_numpy() == 2) & fem, 2,
                                                                       np.where(mp["hubkel"].to_numpy() == 1, 1, 0)),
                       "id": idart})
    best = df.sort_values(["fam", "score"], ascending=[True, False]).drop_duplicates("fam").set_index("fam")["id"]
    return best.reindex(df["fam"]).to_numpy()


def _col(v) -> pa.Array:
    v = np.asarray(v)
    if v.dtype.kind in "iu":
        return int_col(v)
    if v.dtype.kind == "b":
        return int_col(v.astype(np.int8))
    return pa.array(v.astype(object), type=pa.string(), from_pandas=True)


def _rt(w: World, p: int) -> tuple[str, pd.DataFrame, int]:
    from bansos360.generate.attributes import period_changes

    period = PERIODS[p]
    pop = w.pop
    t = desa_table()
    hh = np.flatnonzero(pop.hh_present[:, p])
    idbdt = w.H["idbdt"].to_numpy()[hh]
    order = np.argsort(idbdt, kind="stable")
    hh = hh[order]
    n = len(hh)
    mp = w.mp[w.mp["p"] == p]
    g = mp.groupby("hh")
    size = g.size().reindex(hh).to_numpy()
    nfam = g["fam"].nunique().reindex(hh).to_numpy()
    heads = mp[mp["hub"] == 1].drop_duplicates("hh").set_index("hh")
    head_person = heads["person"].reindex(hh).to_numpy()
    head_fam = heads["fam"].reindex(hh).to_numpy()
    pkh_no = mp[mp["NoPesertaPKH"] != ""].drop_duplicates("hh").set_index("hh")["NoPesertaPKH"].reindex(hh).fillna("").to_numpy()
    kks_fam = w.F["no_kks"].to_numpy()[head_fam]
    head_on = mp[mp["hub"] == 1].drop_duplicates("hh").set_index("hh")["_kks_no"].reindex(hh).fillna("").to_numpy()
    kks = np.where(head_on != "", kks_fam, "")
    desa = pop.hh_desa[hh, p]
    attrs = w.H.iloc[hh].reset_index(drop=True)
    changes = attrs[[c for c in attrs.columns if c.startswith("chg_")]].rename(columns=lambda c: c[4:])
    attrs = period_changes(attrs, changes, p)
    pct = pop.hh_pct[hh, p].astype(np.int64)
    desil = pop.hh_desil[hh, p]
    status = np.where((pct >= 1) & (pct <= 40), np.ceil(pct / 10), -1).astype(np.int64)
    vals = {
        "IDBDT": idbdt[order],
        "KDPROP": np.full(n, KDPROP, object),
        "KDKAB": np.full(n, KDKAB, object),
        "KDKEC": t["kdkec"].to_numpy()[desa],
        "KDDESA": t["kddesa"].to_numpy()[desa],
        "NoPesertaPKH": pkh_no,
        "NoPesertaKKS2016": kks,
        "Alamat": attrs["alamat"].to_numpy(),
        "Nama_SLS": attrs["nama_sls"].to_numpy(),
        "Nama_KRT": w.P["name"].to_numpy()[head_person],
        "Jumlah_ART": size,
        "Jumlah_Keluarga": nfam,
        "sta_keberadaan_RT": np.where((w.H["first"].to_numpy()[hh] == p) & (p > 0), 4, 1),
        "percentile": np.where(pct > 0, pct, -1),
        "status_kesejahteraan": status,
    }
    for c in RT_HEADER:
        if c not in vals:
            vals[c] = attrs[c].to_numpy()
    an = []
    if w.messy and p == 0:
        header = RT_HEADER_2017
        g2 = mp.groupby("hh")
        def any_(col):
            return (mp[col] == 1).groupby(mp["hh"]).any().reindex(hh).fillna(False).to_numpy()

        kip = any_("Ada_kip")
        kis = any_("Ada_pbi")
        on_pkh = g2["_pkh"].any().reindex(hh).fillna(False).to_numpy()
        on_bpnt = g2["_bpnt"].any().reindex(hh).fillna(False).to_numpy()
        rng = stream(w.seed, "dtks-rt-2017")
        extra = {
            "RUTA6": np.array([s[-6:] for s in vals["IDBDT"]], dtype=object),
            "NoPesertaPBDT": np.array([s[:10] + "15" + s[-6:] for s in vals["IDBDT"]], dtype=object),
            "NoPesertaPBI": np.full(n, "", object), "PesertaKIP": np.full(n, "", object),
            "Sta_kks": np.where(kks != "", 1, 2), "Sta_kip": np.where(kip, 3, 4), "Sta_kis": np.where(kis, 1, 2),
            "Sta_bpjs_mandiri": np.where(rng.random(n) < 0.03, 3, 4), "Sta_jamsostek": np.where(rng.random(n) < 0.02, 1, 2),
            "Sta_asuransi": np.where(rng.random(n) < 0.01, 3, 4), "Sta_pkh": np.where(on_pkh, 1, 2),
            "Sta_rastra": np.where(on_bpnt, 3, 4), "Sta_kur": np.where(rng.random(n) < 0.02, 1, 2),
        }
        cols = []
        for h in header:
            key = _ALIASES.get(h.lower(), h.lower())
            if h in extra:
                cols.append(_col(extra[h]))
            elif h in vals:
                cols.append(_col(vals[h]))
            else:
                match = [c for c in vals if c.lower() == key]
                cols.append(_col(vals[match[0]]))
        an.append({"row_number": 1, "kind": "layout_variant", "column": None,
                   "detail": "BDT 2017 wide RT layout (71 cols, Percentile only)"})
    else:
        header = list(RT_HEADER)
        cols = [_col(vals[h]) for h in header]
        if w.messy and period == "2019-07":
            header = [RT_2019_07_SPELLING.get(h, h) for h in header]
            for c, v in RT_2019_07_SPELLING.items():
                an.append({"row_number": 1, "kind": "header_variant", "column": v, "detail": f"canonical {c}"})
    delim = ";" if (w.messy and period == "2019-10") else ","
    text = csv_text(header, cols, delimiter=delim)
    an_df = pd.DataFrame(an, columns=["row_number", "kind", "column", "detail"])
    an_df["sheet"] = "3503_RT.csv"
    # truth: line of each household in the RT file, desil of the period
    w.prog.setdefault("rt_rows", {})[p] = pd.DataFrame({"hh": hh, "row_number": np.arange(n) + 2,
                                                        "desil": desil, "percentile": pct, "head": head_person})
    return text, an_df, n

