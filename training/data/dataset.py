"""The one data specification every training script and the exported manifest share, and the
cached per-case samples (phantoms, mask-driven phantoms, real cases) built from it."""
from __future__ import annotations

from dataclasses import replace
from functools import partial
from multiprocessing import Pool

import numpy as np

from .crops import CropSpec, cached, extract
from .split import real_split
from .verse import Case, real_cases

# 2 mm isotropic canonical grid for all three stages; 16 sagittal + 16 coronal detector slices per
# training case; segmenter cube 48³ (+6 voxels margin for shift augmentation); identifier cube 48³.
SPEC = CropSpec(spacing=2.0, slices=16, seg_size=48, seg_margin=6, id_size=48)
# The detector's samples: every cut of a vertebra boxed with the whole vertebra's bounds.
DET_SPEC = replace(SPEC, det_box='whole', slices=24)
WINDOW = (-500.0, 1500.0)   # HU → [0, 1], clipped: the input normalisation of detector and segmenter
SEG_SIGMA_VOX = 3.0         # width of the segmenter's centre heatmap channel (voxels)
CENTRE_JITTER_VOX = 2.0     # training: candidate centres from stage 1 are ~4 mm off the box centre


def _centres(case) -> dict[int, np.ndarray]:
    a = case.mask.affine
    return {c['label']: a[:3, :3] @ [c['X'], c['Y'], c['Z']] + a[:3, 3] for c in case.ctd[1:]}


def phantom(seed: int, spec: CropSpec = SPEC) -> dict:
    from ..phantoms.case import Options, make_case
    if (hit := cached(f'phantom-{seed}', spec)) is not None:   # skip the (slow) rendering
        return hit
    case = make_case(seed, Options(max_voxels=6_000_000))
    return extract(f'phantom-{seed}', case.ct, case.mask, _centres(case), spec)


def masked(args: tuple[Case, int], spec: CropSpec = SPEC) -> dict:
    """A mask-driven phantom around a real mask (seeded)."""
    from ..phantoms.from_mask import make_from_mask
    real, seed = args
    if (hit := cached(f'masked-{real.id}-{seed}', spec)) is not None:
        return hit
    case = make_from_mask(real, seed)
    return extract(f'masked-{real.id}-{seed}', case.ct, case.mask, _centres(case), spec)


def real(case: Case, spec: CropSpec = SPEC) -> dict:
    return extract(case.id, case.ct(), case.mask(), case.centroids, spec)


def real_subjects(part: str | None = None) -> list[Case]:
    return [c for c in real_cases() if part is None or real_split(c.subject) == part]


def build(seeds: list[int], masked_cases: list[tuple[Case, int]] = (), workers: int = 2, spec: CropSpec = SPEC) -> list[dict]:
    """Samples of phantom `seeds` and mask-driven phantoms, built in parallel and cached."""
    with Pool(workers) as pool:
        return pool.map(partial(phantom, spec=spec), seeds) + (pool.map(partial(masked, spec=spec), list(masked_cases)) if masked_cases else [])
