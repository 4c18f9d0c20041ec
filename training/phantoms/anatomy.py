"""Vertebral dimensions per level (mm) and their per-patient variation.

Anchor values are rounded means from the morphometric studies of Panjabi et al. (cervical: Spine
1991;16:861; thoracic: Spine 1991;16:888; lumbar: Spine 1992;17:299) and Zhou et al. (lumbar, Eur
Spine J 2000): body width/depth/height, canal width/depth, pedicle width/height, spinous process
length and downward angle, transverse process tip-to-tip span, and the disc height below the level.
Levels between anchors are interpolated, so sizes change smoothly along the spine.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

# VerSe ids: 1–7 C1–C7, 8–19 T1–T12, 20–24 L1–L5, 25 L6, 28 T13.
NAMES = {**{i: f'C{i}' for i in range(1, 8)}, **{i + 7: f'T{i}' for i in range(1, 13)},
         **{i + 19: f'L{i}' for i in range(1, 6)}, 25: 'L6', 28: 'T13'}

COLUMNS = ('W', 'D', 'H', 'CW', 'CD', 'PW', 'PH', 'SPL', 'SPA', 'TPS', 'TPA', 'DH')
# level:  W     D     H     CW    CD    PW    PH    SPL  SPA  TPS  TPA  DH
ANCHORS = {
    2: (17.0, 15.0, 14.0, 23.0, 16.0, 6.0, 8.0, 30.0, 15.0, 55.0, -10.0, 4.0),
    3: (16.0, 15.0, 12.0, 24.0, 14.0, 5.5, 7.0, 22.0, 20.0, 50.0, -15.0, 5.0),
    5: (18.0, 16.0, 12.0, 25.0, 14.0, 5.7, 7.0, 25.0, 20.0, 54.0, -15.0, 5.5),
    6: (20.0, 16.5, 12.5, 25.0, 14.0, 5.8, 7.0, 30.0, 20.0, 58.0, -12.0, 5.5),
    7: (22.0, 17.0, 13.5, 24.0, 14.5, 6.5, 7.5, 42.0, 20.0, 70.0, 0.0, 5.0),
    8: (26.0, 17.0, 15.0, 21.0, 15.0, 8.0, 10.0, 45.0, 35.0, 75.0, 25.0, 4.0),
    9: (27.0, 19.0, 16.5, 17.0, 15.0, 7.0, 11.0, 45.0, 45.0, 74.0, 30.0, 4.0),
    11: (27.0, 22.0, 17.5, 15.5, 15.5, 4.5, 11.0, 45.0, 60.0, 68.0, 35.0, 4.5),
    13: (29.0, 25.0, 18.5, 15.0, 15.5, 4.8, 11.5, 45.0, 62.0, 64.0, 35.0, 4.5),
    15: (32.0, 27.0, 19.5, 15.5, 16.0, 5.5, 12.5, 42.0, 60.0, 62.0, 35.0, 5.0),
    17: (35.0, 29.0, 21.0, 16.5, 16.5, 6.5, 14.0, 38.0, 45.0, 58.0, 30.0, 6.0),
    18: (38.0, 30.0, 22.0, 17.5, 17.0, 8.0, 16.0, 35.0, 30.0, 55.0, 20.0, 7.0),
    19: (41.0, 31.0, 23.0, 20.0, 17.5, 8.0, 16.0, 33.0, 15.0, 50.0, 10.0, 8.0),
    20: (42.0, 32.0, 24.0, 22.0, 18.0, 8.5, 15.0, 32.0, 5.0, 70.0, 0.0, 9.0),
    21: (44.0, 33.0, 25.0, 22.5, 18.0, 9.0, 15.0, 32.0, 5.0, 80.0, 0.0, 10.0),
    22: (46.0, 34.0, 25.0, 23.0, 17.5, 10.0, 14.5, 32.0, 5.0, 90.0, 0.0, 11.0),
    23: (48.0, 34.5, 25.0, 23.5, 17.0, 11.5, 14.0, 30.0, 5.0, 85.0, 0.0, 11.0),
    24: (50.0, 35.0, 24.0, 25.0, 17.0, 13.5, 14.0, 26.0, 0.0, 85.0, 0.0, 10.0),
}


def anchor_dims(level: float) -> dict[str, float]:
    """Dimensions at a (possibly fractional) level 2…24 by linear interpolation between anchors."""
    keys = sorted(ANCHORS)
    level = float(np.clip(level, keys[0], keys[-1]))
    cols = np.array([ANCHORS[k] for k in keys])
    return {c: float(np.interp(level, keys, cols[:, i])) for i, c in enumerate(COLUMNS)}


@dataclass
class Level:
    """One vertebra of one patient: its VerSe label, the level whose shape it takes, its size."""
    label: int
    shape_level: float  # 1 = C1 ring; 2–24 interpolated table; L6 uses 24, T13 uses 19
    dims: dict[str, float]
    fracture: float = 0.0      # anterior height loss (0–0.5)
    has_ribs: bool = False
    rib_length: float = 1.0    # 1 = full rib; T11/T12 short
    sacralised: bool = False   # L5 fused to the sacrum by enlarged transverse processes
    tags: list[str] = field(default_factory=list)


def sample_levels(rng: np.random.Generator, scale: float, jitter: float = 0.06) -> list[Level]:
    """The vertebrae of one patient, cranial to caudal, with per-level size jitter (so that
    neighbouring levels overlap in size) and transitional anatomy at realistic low rates."""
    labels = list(range(1, 25))
    transitional = rng.random()
    if transitional < 0.03:       # lumbarised S1: six lumbar vertebrae
        labels.append(25)
    elif transitional < 0.05:     # thirteen thoracic vertebrae (extra rib-bearing level)
        labels.insert(labels.index(19) + 1, 28)
    sacralised = rng.random() < 0.03 and 25 not in labels
    out = []
    for lab in labels:
        shape = {25: 24.0, 28: 19.0}.get(lab, float(lab))
        base = anchor_dims(max(shape, 2.0))
        dims = {k: (v * scale * float(np.exp(rng.normal(0, jitter))) if k not in ('SPA', 'TPA') else v + rng.normal(0, 5))
                for k, v in base.items()}
        if lab == 1:
            dims.update(W=0.0, D=0.0, H=10.0 * scale, TPS=78.0 * scale * float(np.exp(rng.normal(0, jitter))), DH=0.0)
        lv = Level(label=lab, shape_level=1.0 if lab == 1 else shape, dims=dims)
        thoracic = 8 <= lab <= 19 or lab == 28
        if thoracic:
            lv.has_ribs = True
            last = max(l for l in labels if 8 <= l <= 19 or l == 28)
            lv.rib_length = 0.35 if lab == last else 0.6 if labels.index(lab) == labels.index(last) - 1 else 1.0
        if lab == (25 if 25 in labels else 24) and sacralised:
            lv.sacralised = True
            lv.tags.append('sacralised')
        out.append(lv)
    return out


def with_fracture(lv: Level, loss: float) -> Level:
    return replace(lv, fracture=loss, tags=[*lv.tags, f'fracture{loss:.2f}'])
