"""Entry point of the synthetic raw-data generator."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from bansos360.generate import disabilitas, dtks, identity, kpm, truth, usulan
from bansos360.generate.params import Knobs, stream
from bansos360.generate.world import World, build

log = logging.getLogger(__name__)

# sub-folders (and file) of out_dir owned by the generator; removed before each run
OWNED = ("dtks", "kpm", "disabilitas", "usulan", truth.TRUTH_DIR, "manifest.json")


def generate(out_dir: Path, scale: float = 1.0, seed: int = 42, clean: bool = False,
             progress: Callable[[str], None] | None = None) -> dict:
    """Generate the raw files of Trenggalek (DTKS zips, KPM lists, disability register, usulan).

    ``scale`` multiplies every count (1.0 = the seed report: ~95.1 k households per period);
    ``seed`` makes the output deterministic (byte-identical files for the same arguments);
    ``clean=True`` writes every file in its canonical layout without format messiness.
    Returns a summary: files with row counts, seconds, anomaly counts, population figures.
    """
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    t0 = time.perf_counter()
    out_dir = Path(out_dir)

    def step(msg: str) -> None:
        log.info(msg)
        if progress:
            progress(msg)

    _clear(out_dir)
    w = World(seed=int(seed), scale=float(scale), messy=not clean, knobs=Knobs(), out_dir=out_dir)
    step(f"population (scale {scale}, seed {seed})")
    build(w)
    step("KPM recipients, disability register and usulan plans")
    kpm.plan(w)
    disabilitas.plan(w)
    usulan.plan(w)
    step("NIK and No KK numbers")
    _numbers(w)
    step("DTKS zips")
    dtks_counts = dtks.write(w)
    step("KPM workbooks")
    kpm.write(w)
    step("disability register")
    disabilitas.write(w)
    step("usulan daerah")
    usulan.write(w)
    step("ground truth")
    tc = truth.write(w)
    seconds = time.perf_counter() - t0
    man = truth.manifest(w, tc, seconds)
    step(f"done in {seconds:.1f} s")
    hp = w.pop.hh_present.sum(axis=0)
    return {
        "out_dir": str(out_dir),
        "scale": w.scale,
        "seed": w.seed,
        "clean": clean,
        "seconds": round(seconds, 2),
        "files": {f["path"]: f.get("rows", f.get("members")) for f in man["files"]},
        "dtks": dtks_counts,
        "households_per_period": {k: int(v) for k, v in zip(dtks_counts, hp, strict=True)},
        "households_total": int(len(w.H)),
        "anomalies": {k: int(v) for k, v in w.anomaly_counts.items()},  # type: ignore[attr-defined]
    }


def _clear(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in OWNED:
        p = out_dir / name
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def _numbers(w: World) -> None:
    """NIK for every person and outsider, No KK for every family and outsider group, in one pass."""
    X = w.X
    groups = X.drop_duplicates("group_key")
    nik_parts = [w.P[["region6", "nik_birth", "nik_female"]], X[["region6", "nik_birth", "nik_female"]]]
    kk_parts = [w.F[["region6", "reg"]], pd.DataFrame({"region6": groups["kk_region6"].to_numpy(), "reg": groups["kk_reg"].to_numpy()})]
    (nik_p, nik_x), (kk_f, kk_x) = identity.assign_numbers(nik_parts, kk_parts, stream(w.seed, "numbers"))
    w.P["nik"] = nik_p
    w.X["nik"] = nik_x
    w.F["kk"] = kk_f
    w.X["kk"] = pd.Series(kk_x, index=groups["group_key"].to_numpy()).reindex(X["group_key"].to_numpy()).to_numpy()
