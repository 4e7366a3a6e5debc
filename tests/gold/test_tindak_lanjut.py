"""Action worklist (gold.mart_tindak_lanjut) on the hand-built KPM world of test_marts_kpm,
plus a few DTKS individuals and disability records; every expected row worked out by hand."""

import dataclasses
import shutil

import pytest
import yaml
from pyspark.sql import functions as F

from bansos360.config import Config
from bansos360.errors import ConfigError
from bansos360.gold import marts_tindak_lanjut as tl
from bansos360.gold.build import check_mart
from bansos360.gold.context import GoldContext
from bansos360.gold.registry import load_all
from tests.gold import test_marts_kpm as kw

frames = kw.frames  # the module-scoped fixture of the KPM world
REPO_CONF = Config().conf_dir


def person(art, bdt, desa, cacat, flags):
    row = list(kw.individu_row("2020-10", art, bdt, desa, "Perempuan", 40, True, cacat=cacat))
    row[-5:] = [False, False, False, flags, flags]
    return tuple(row)


@pytest.fixture(scope="module")
def ctx(spark, frames):
    extra = spark.createDataFrame([
        person("I5", "H5", kw.A, "Tidak cacat", False),   # disabled per the register, poor, no bansos: listed
        person("I6", "H6", kw.B, "Tuna netra", False),    # disabled per DTKS, but desil 3: not poor
        person("I7", "H5", kw.A, "Tuna netra", True),     # disabled, poor, but PKH flag in DTKS
    ], kw.INDIVIDU_SCHEMA)
    ind = frames["individu"].unionByName(extra).withColumns({
        "nik": F.lit(None).cast("string"), "nik_format_ok": F.lit(False), "nik_mask": F.lit(None).cast("string"),
        "nama_mask": F.lit("NA***")})
    rt = frames["rumah_tangga"].unionByName(spark.createDataFrame(
        [("2020-10", "H5", 1, "dtks4"), ("2020-10", "H6", 3, "dtks4")], kw.RT_SCHEMA))
    dis = spark.createDataFrame(
        [("DIS|d.xlsx||2", "3503014101800005", True, "3503014101******", "WARTI", "WA***", "Tuna daksa", "d.xlsx", 2,
          kw.A),
         ("DIS|d.xlsx||3", None, False, None, "SUMINAH", "SU***", "Tuna rungu", "d.xlsx", 3, kw.C)],
        "record_id string, nik string, nik_format_ok boolean, nik_mask string, nama string, nama_mask string, "
        "jenis_disabilitas string, _source_file string, _row_number int, kode_bps string")
    link_dis = spark.createDataFrame([("DIS|d.xlsx||2", "I5", "H5", True, "nik_latest"),
                                      ("DIS|d.xlsx||3", None, None, None, "none")],
                                     "record_id string, idartbdt string, idbdt string, in_latest boolean, "
                                     "match_method string")
    f = dict(frames, individu=ind, rumah_tangga=rt, disabilitas=dis, link_disabilitas=link_dis)
    c = GoldContext.of(spark, periods=kw.PERIODS, **f)
    yield c
    c.release()


def rows(df):
    return sorted((r["alasan_kode"], r["program"], r["nama"], r["kode_bps"]) for r in df.collect())


def test_worklist_by_hand(ctx):
    df = tl.mart_tindak_lanjut(ctx)
    check_mart(load_all()["mart_tindak_lanjut"], df)
    A, B, C = kw.A, kw.B, kw.C
    assert rows(df) == sorted([
        ("aturan_program", "BPNT+KPE+PKH", "SRI WAHYUNI", A),  # PKH/Sembako with KPE (a breach rule)
        ("aturan_program", "PKH", "AHMAD", A),                 # PKH without Sembako, PKH without KIS
        ("aturan_program", "PKH", "SUPARMI", C),               # PKH without Sembako (not in DTKS)
        ("aturan_program", "PKH", "TUKIRAN", None),
        ("kpm_di_luar_desil_layak", "BST+KPE", "PAIMAN", B),   # in the latest DTKS without desil
        ("kpm_hanya_dtks_lama", "BPNT", "KASIYEM", C),
        ("kpm_tidak_di_dtks", "PKH", "SUPARMI", C),
        ("kpm_tidak_di_dtks", "BPNT", "SITI", B),
        ("kpm_tidak_di_dtks", "PKH", "TUKIRAN", None),
        ("kpm_nik_milik_orang_lain", "BST", "BUDI", B),
        ("nik_ganda", "BPNT", "SITI", B),
        ("nik_ganda", "BST", "BUDI", B),
        ("disabilitas_tidak_di_dtks", None, "SUMINAH", C),
        ("disabilitas_miskin_tanpa_bansos", None, "NAMA I5", A),
    ])
    got = {(r["alasan_kode"], r["nama"]): r for r in df.collect()}
    ahmad = got[("aturan_program", "AHMAD")]
    assert "PKH tanpa Sembako" in ahmad["bukti"] and "PKH tanpa KIS/PBI" in ahmad["bukti"]
    assert ahmad["tindakan"] == "usulan" and ahmad["prioritas"] == 2 and ahmad["nama_kecamatan"] == "KEC SATU"
    assert got[("kpm_hanya_dtks_lama", "KASIYEM")]["bukti"].startswith("Terakhir ada di DTKS periode 2020-01")
    assert got[("kpm_tidak_di_dtks", "TUKIRAN")]["nama_desa"] == "Tidak diketahui"
    assert got[("disabilitas_miskin_tanpa_bansos", "NAMA I5")]["desil"] == 1
    assert {r["periode_dtks"] for r in got.values()} == {"2020-10"}


def conf_with(tmp_path, edit):
    conf = tmp_path / "conf"
    shutil.copytree(REPO_CONF, conf)
    data = yaml.safe_load((conf / tl.TL_FILE).read_text())
    edit(data)
    (conf / tl.TL_FILE).write_text(yaml.safe_dump(data, allow_unicode=True))
    return Config(conf)


def test_a_reason_switched_off_and_bands_from_conf(spark, ctx, tmp_path):
    def edit(d):
        d["alasan"]["aturan_program"]["aktif"] = False
        d["desil_layak"] = ["Desil 1-2"]  # desil 3 (AHMAD) now outside the eligible bands
    cfg = conf_with(tmp_path, edit)
    c2 = dataclasses.replace(ctx, conf_dir=cfg.conf_dir)  # a fresh context: nothing shared/cached
    got = rows(tl.mart_tindak_lanjut(c2))
    assert not [r for r in got if r[0] == "aturan_program"]
    assert ("kpm_di_luar_desil_layak", "PKH", "AHMAD", kw.A) in got
    c2.release()


@pytest.mark.parametrize("edit, needle", [
    (lambda d: d.update(desil_layak=["Desil 9"]), r"tindak_lanjut\.yaml: desil_layak: unknown desil band"),
    (lambda d: d.update(aturan_program=["no_rule"]), r"tindak_lanjut\.yaml: aturan_program: unknown rule"),
    (lambda d: d["alasan"].pop("nik_ganda"), r"tindak_lanjut\.yaml.*missing \['nik_ganda'\]"),
    (lambda d: d["alasan"]["nik_ganda"].update(tindakan="hapus"), r"tindak_lanjut\.yaml.*alasan\.nik_ganda\.tindakan"),
])
def test_config_errors_name_file_and_key(spark, ctx, tmp_path, edit, needle):
    cfg = conf_with(tmp_path, edit)
    c2 = dataclasses.replace(ctx, conf_dir=cfg.conf_dir)
    with pytest.raises(ConfigError, match=needle):
        tl.load_config(c2)
