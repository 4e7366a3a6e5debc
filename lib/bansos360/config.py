"""Configuration: YAML files in ``conf/``, validated with pydantic on load.

Every error names the file and the key path (``conf/settings.yaml: periods.2.id: ...``)
so an operator can fix the YAML without reading Python.
"""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bansos360.errors import ConfigError

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_conf_dir() -> Path:
    """``$BANSOS_CONF``, else the repository's ``conf/``, else ``./conf``."""
    if os.environ.get("BANSOS_CONF"):
        return Path(os.environ["BANSOS_CONF"])
    if (REPO_ROOT / "conf").is_dir():
        return REPO_ROOT / "conf"
    return Path("conf")


class Strict(BaseModel):
    """Base model: unknown keys are errors (a typo in YAML must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- settings.yaml
class Region(Strict):
    kode_bps: str = Field(pattern=r"^\d{4}$", description="BPS kabupaten code, e.g. 3503")
    kode_prov: str = Field(pattern=r"^\d{2}$")
    nama: str


class DesilScheme(Strict):
    """How a registry ranks households: DTKS 1-4 (poorest 40 %), DTSEN 1-10."""

    max_desil: int = Field(ge=1, le=10)
    description: str = ""
    bands: dict[str, list[int]] = Field(description="band label -> desil values, e.g. 'Desil 1-2': [1, 2]")

    @model_validator(mode="after")
    def _bands_within_scheme(self):
        for label, values in self.bands.items():
            bad = [v for v in values if not 1 <= v <= self.max_desil]
            if bad:
                raise ValueError(f"band {label!r} has desil {bad} outside 1..{self.max_desil}")
        return self


class Period(Strict):
    """A DTKS *penetapan* (establishment) period."""

    id: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    label: str
    desil_scheme: str = "dtks4"


class Program(Strict):
    """A bansos program whose KPM list arrives as a file; adding one is a YAML entry."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: str
    source: str = Field(description="layout key in sources.yaml")


class Settings(Strict):
    region: Region
    desil_schemes: dict[str, DesilScheme]
    periods: list[Period] = Field(min_length=1)
    programs: list[Program] = Field(min_length=1)

    @field_validator("periods")
    @classmethod
    def _periods_unique_sorted(cls, periods):
        ids = [p.id for p in periods]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate period ids in {ids}")
        if ids != sorted(ids):
            raise ValueError(f"periods must be listed oldest first, got {ids}")
        return periods

    @model_validator(mode="after")
    def _references(self):
        for p in self.periods:
            if p.desil_scheme not in self.desil_schemes:
                raise ValueError(f"period {p.id}: unknown desil_scheme {p.desil_scheme!r}")
        codes = [p.code for p in self.programs]
        if len(set(codes)) != len(codes):
            raise ValueError(f"duplicate program codes in {codes}")
        return self

    def period(self, period_id: str) -> Period:
        """The configured period ``period_id``; a clear error if it is not configured."""
        for p in self.periods:
            if p.id == period_id:
                return p
        raise ConfigError(f"period {period_id!r} is not in settings.yaml periods {[p.id for p in self.periods]}")

    def program(self, code: str) -> Program:
        """The configured program ``code`` (case-insensitive)."""
        for p in self.programs:
            if p.code == code.upper():
                return p
        raise ConfigError(f"program {code!r} is not in settings.yaml programs {[p.code for p in self.programs]}")


# --------------------------------------------------------------------------- loading
def _format_loc(loc) -> str:
    return ".".join(str(x) for x in loc) or "<root>"


def load_yaml_model(path: Path, model: type[BaseModel]):
    """Load ``path`` and validate it as ``model``; errors name file and key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if raw is None:
        raise ConfigError(f"{path}: file is empty")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{path}: {_format_loc(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError("invalid configuration\n  " + "\n  ".join(lines)) from None


class Config:
    """All configuration of one run, loaded lazily file by file from ``conf_dir``."""

    def __init__(self, conf_dir: Path | None = None):
        self.conf_dir = Path(conf_dir) if conf_dir else default_conf_dir()
        if not self.conf_dir.is_dir():
            raise ConfigError(f"configuration folder {self.conf_dir} does not exist (set BANSOS_CONF)")

    @cached_property
    def settings(self) -> Settings:
        return load_yaml_model(self.conf_dir / "settings.yaml", Settings)

    @cached_property
    def sources(self):
        from bansos360.bronze.sources import SourcesConfig  # late import: bronze is optional here

        sources = load_yaml_model(self.conf_dir / "sources.yaml", SourcesConfig)
        missing = [p.source for p in self.settings.programs if p.source not in sources.sources]
        if missing:
            raise ConfigError(f"{self.conf_dir / 'settings.yaml'}: programs refer to unknown sources {missing}")
        return sources

    def validate_all(self) -> list[str]:
        """Load every file (raises on the first invalid one); returns the names checked."""
        checked = []
        for name in ("settings", "sources"):
            getattr(self, name)
            checked.append(f"{name}.yaml")
        return checked


def slug(text: str) -> str:
    """Lower-case identifier from free text: 'Jenis Kelamin' -> 'jenis_kelamin'."""
    return re.sub(r"[^0-9a-z]+", "_", text.strip().lower()).strip("_")
