"""Field-of-view cuts. A scan's first and last vertebrae are often only partly inside it, and real
ground truth labels such fragments (TPTBox's L2, TotalSegmentator's T11 in our real CTs). Phantoms
do not: a vertebra whose body centre falls outside the scan gets no label (phantoms/case.py), so
stages 1 and 2 had never been asked to find or outline a labelled fragment, and missed both. Their
training therefore also cuts vertebrae as a scan's edge does: across the cranio-caudal axis (the
last axis of the canonical RAS grid, index growing upwards), keeping a random part of one."""
from __future__ import annotations

import numpy as np

KEEP = (0.15, 0.8)   # share of the cut vertebra's height that stays inside the scan
SHARE = 0.2          # training samples that get a cut


def cut_plane(lo: float, hi: float, rng: np.random.Generator) -> tuple[float, bool]:
    """A plane through the extent [lo, hi] that keeps KEEP of it: (position, keeps the part below).
    Half the cuts are a scan ending above the vertebra, half one starting below it."""
    keep = rng.uniform(*KEEP) * (hi - lo)
    if rng.random() < 0.5:
        return lo + keep, True
    return hi - keep, False


def outside(n: int, plane: float, below: bool) -> np.ndarray:
    """Which of n indices lie outside the scan for this cut."""
    i = np.arange(n)
    return i > plane if below else i < plane
