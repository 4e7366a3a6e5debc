"""The mart registry: every gold mart declares itself here, with the metadata publish and docs use.

A mart is a pure function ``(ctx: GoldContext) -> DataFrame`` decorated with :func:`mart`. The
decorator records what the mart is (dashboard, grain, description and column comments in Bahasa
Indonesia), where it is published (schema ``gold`` for aggregates and masked data, ``terbatas`` for
BNBA detail), which columns are personal data and how they are masked, which columns are indexed
for search and which column carries the kecamatan code for row-level security.

Publish (``bansos360.publish``) and the docs (``docs/marts.md``) read :data:`MARTS`; the gold build
(``bansos360.gold.build``) calls the functions. Adding a mart = one decorated function.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

#: name -> Mart, in registration order.
MARTS: dict[str, Mart] = {}

#: Modules that define marts; importing them fills :data:`MARTS`.
MART_MODULES = (
    "bansos360.gold.marts_kpm",
    "bansos360.gold.marts_dtks",
    "bansos360.gold.marts_360",
    "bansos360.gold.marts_tindak_lanjut",
    "bansos360.gold.early_warning",
)


@dataclass(frozen=True)
class Mart:
    """Metadata of one gold mart."""

    name: str                       # table name without layer: "mart_kpm_overview"
    fn: Callable | None             # (GoldContext) -> DataFrame; None: written by another step
                                    # (e.g. gold.peringatan by early warning), published only
    dashboards: tuple[str, ...]     # ("D1",) ... ("D12",), or ("tindak_lanjut",)
    grain: str                      # English: what one row is
    description: str                # Bahasa Indonesia: table comment in PostgreSQL
    columns: dict[str, str]         # column -> comment (Bahasa Indonesia); every output column
    schema: Literal["gold", "terbatas"] = "gold"
    # personal-data columns -> the masked column that replaces them in the public/masked view
    # (e.g. {"nik": "nik_mask", "nama": "nama_mask"}); columns mapped to None are dropped there.
    pii: dict[str, str | None] = field(default_factory=dict)
    indexes: tuple[str, ...] = ()   # columns to index in PostgreSQL (search: nik, idbdt, ...)
    trigram: tuple[str, ...] = ()   # text columns to index with pg_trgm (name search)
    kecamatan_column: str | None = None  # 7-digit BPS kecamatan code column, for row-level security
    partition_by: tuple[str, ...] = ()   # Delta partition columns of the gold table (optional)


def mart(name: str, *, dashboards: tuple[str, ...], grain: str, description: str, columns: dict[str, str],
         schema: Literal["gold", "terbatas"] = "gold", pii: dict[str, str | None] | None = None,
         indexes: tuple[str, ...] = (), trigram: tuple[str, ...] = (), kecamatan_column: str | None = None,
         partition_by: tuple[str, ...] = ()):
    """Register the decorated function as gold mart ``name`` (see :class:`Mart`)."""
    if not name.startswith("mart_") and name not in ("peringatan",):
        raise ValueError(f"gold mart names start with 'mart_': {name!r}")

    def deco(fn: Callable) -> Callable:
        if name in MARTS and MARTS[name].fn.__qualname__ != fn.__qualname__:
            raise ValueError(f"gold mart {name!r} registered twice")
        MARTS[name] = Mart(name, fn, tuple(dashboards), grain, description, dict(columns), schema,
                           dict(pii or {}), tuple(indexes), tuple(trigram), kecamatan_column, tuple(partition_by))
        return fn

    return deco


def register_table(name: str, *, dashboards: tuple[str, ...], grain: str, description: str,
                   columns: dict[str, str], schema: Literal["gold", "terbatas"] = "gold",
                   kecamatan_column: str | None = None, indexes: tuple[str, ...] = ()) -> Mart:
    """Register a gold table that another step writes (no mart function): publish and docs see it,
    the mart build skips it."""
    m = Mart(name, None, tuple(dashboards), grain, description, dict(columns), schema, {}, tuple(indexes), (),
             kecamatan_column, ())
    MARTS[name] = m
    return m


def load_all() -> dict[str, Mart]:
    """Import every module of :data:`MART_MODULES` that exists and return :data:`MARTS`, ordered by
    module (the order of :data:`MART_MODULES`), then by registration: the same order whatever was
    imported first. Tables without a mart function (written by another step) come last."""
    import importlib

    for mod in MART_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
    rank = {mod: i for i, mod in enumerate(MART_MODULES)}
    ordered = sorted(MARTS.values(), key=lambda m: rank.get(m.fn.__module__, len(rank)) if m.fn else len(rank) + 1)
    MARTS.clear()
    MARTS.update((m.name, m) for m in ordered)
    return MARTS
