"""Scalar features of vertebra masks and how well one of them alone tells adjacent levels apart.
Used to check that phantoms give the identifier no trivial cue."""
from __future__ import annotations

import nibabel as nib
import numpy as np

# Cranio-caudal order of VerSe labels (T13 after T12, L6 after L5).
SEQUENCE = [*range(1, 20), 28, *range(20, 25), 25]
# Levels that can be neighbours: C1–L5 in turn, and the transitional T13 and L6 where present.
PAIRS = [(l, l + 1) for l in range(1, 24)] + [(19, 28), (28, 20), (24, 25)]


def vertebra_features(ct: nib.Nifti1Image, mask: nib.Nifti1Image) -> dict[int, dict[str, float]]:
    """Per label fully inside the field of view: mean HU, voxel count, volume (ml) and bounding box
    size (mm) along R, A, S."""
    can_ct, can_m = nib.as_closest_canonical(ct), nib.as_closest_canonical(mask)
    hu = np.asanyarray(can_ct.dataobj)
    lab = np.asanyarray(can_m.dataobj)
    sp = np.array(can_m.header.get_zooms()[:3], float)
    out = {}
    for l in np.unique(lab):
        if l == 0:
            continue
        idx = np.argwhere(lab == l)
        lo, hi = idx.min(0), idx.max(0)
        if np.any(lo == 0) or np.any(hi == np.array(lab.shape) - 1):
            continue  # cut by the field of view: its size says nothing about its level
        ext = (hi - lo + 1) * sp
        out[int(l)] = {
            'mean_hu': float(hu[lab == l].mean()),
            'voxels': float(len(idx)),
            'volume_ml': float(len(idx) * sp.prod() / 1000),
            'width_mm': float(ext[0]), 'depth_mm': float(ext[1]), 'height_mm': float(ext[2]),
        }
    return out


def best_threshold_accuracy(a: list[float], b: list[float]) -> float:
    """Best accuracy of a single threshold (either direction) separating samples a from b."""
    v = np.array(a + b)
    y = np.array([0] * len(a) + [1] * len(b))
    order = np.argsort(v, kind='stable')
    ys = y[order]
    # Predict 1 above the cut: correct = zeros below + ones above.
    zeros_below = np.concatenate([[0], np.cumsum(ys == 0)])
    ones_above = np.concatenate([np.cumsum((ys == 1)[::-1])[::-1], [0]])
    acc = (zeros_below + ones_above) / len(v)
    return float(max(acc.max(), (1 - acc).max()))


def adjacent_separability(cases: list[dict[int, dict[str, float]]], min_each: int = 5) -> dict[str, tuple[str, float]]:
    """For each adjacent pair of levels with enough samples: the feature that best separates them
    alone, and its accuracy."""
    out = {}
    for l0, l1 in PAIRS:
        a = [c[l0] for c in cases if l0 in c]
        b = [c[l1] for c in cases if l1 in c]
        if len(a) < min_each or len(b) < min_each:
            continue
        scores = {f: best_threshold_accuracy([x[f] for x in a], [x[f] for x in b]) for f in a[0]}
        f = max(scores, key=scores.get)
        out[f'{l0}-{l1}'] = (f, scores[f])
    return out
