"""Header aliases and sources.yaml validation."""

import pytest
import yaml

from bansos360.bronze.sources import HeaderMatcher, SourcesConfig, normalize_header
from bansos360.config import Config, load_yaml_model
from bansos360.errors import ConfigError


@pytest.fixture(scope="module")
def sources():
    return Config().sources


@pytest.mark.parametrize(
    ("source", "header", "expected"),
    [
        ("dtks_art", "HubKRT", "hubkrt_label"),  # text label ...
        ("dtks_art", "Hub_KRT", "hub_krt"),  # ... and code normalize alike but stay apart
        ("dtks_art", "hub krt", None),  # ambiguous once case and spaces are ignored: matches nothing
        ("dtks_art", "IDARTBDT", "idartbdt"),
        ("dtks_art", "Ada_rastra", "ada_bpnt"),
        ("dtks_rt", "Sta_bangunan", "sta_bangunan"),
        ("dtks_rt", "STA BANGUNAN", "sta_bangunan"),
        ("dtks_rt", "Jumah_kerbau", "jumlah_kerbau"),
        ("dtks_rt", "cara_proleh_airminum", "cara_peroleh_airminum"),
        ("dtks_rt", "Ada_telpon", "ada_telepon"),
        ("dtks_rt", "Percentile", "percentile"),
        ("kpm_kpe", "N I K", "nik"),
        ("kpm_kpe", "No. KK", "no_kk"),
        ("kpm_kpe", "nama", "nama"),
        ("kpm_sembako", "NIK_KTP", "nik"),
        ("kpm_pkh", "NAMAART", "nama"),
        ("kpm_pkh", "HUB_KRT", "hub_krt"),
        ("kpm_pkh", "HUBKRT_KD", "hub_krt_kode"),
        ("kpm_bst", "NO_IDENTITAS", "nik"),
        ("kpm_bst", "Keterangan Lain", None),
    ],
)
def test_aliases(sources, source, header, expected):
    assert sources.matcher(source).match(header) == expected


def test_first_cell_wins_when_two_claim_a_column():
    m = HeaderMatcher(["nik", "nama"], {"nik": ["NIK_KTP"]})
    assert m.map_header(["NIK", "NAMA", "NIK_KTP"]) == {0: "nik", 1: "nama"}


def test_normalize_header():
    assert normalize_header(" No. K-K ") == "nokk"


def test_every_program_has_a_source():
    cfg = Config()
    assert {p.source for p in cfg.settings.programs} <= set(cfg.sources.sources)


def test_invalid_sources_yaml_names_file_and_key(tmp_path):
    bad = yaml.safe_load(open(Config().conf_dir / "sources.yaml"))
    bad["sources"]["kpm_kpe"]["columns"]["nik_typo"] = ["NIK"]
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ConfigError) as err:
        load_yaml_model(path, SourcesConfig)
    assert str(path) in str(err.value) and "nik_typo" in str(err.value) and "kpm_kpe" in str(err.value)


def test_invalid_settings_names_key(tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    settings = yaml.safe_load(open(Config().conf_dir / "settings.yaml"))
    settings["periods"][1]["id"] = "2019-13"
    (conf / "settings.yaml").write_text(yaml.safe_dump(settings))
    with pytest.raises(ConfigError, match=r"settings.yaml: periods.1.id"):
        _ = Config(conf).settings
