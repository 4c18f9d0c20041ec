"""Renders parts into a CT (HU) and a VerSe label map on a canonical RAS grid."""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from .grid import Grid, world_bbox
from .spine import WorldPart


def rasterise(parts: list[WorldPart], grid: Grid) -> dict[str, np.ndarray]:
    """Signed distances of the union of bone (with its label), discs and metal; holes carve bone."""
    bone = np.full(grid.shape, 1e3, np.float32)
    label = np.zeros(grid.shape, np.uint8)
    disc = np.full(grid.shape, 1e3, np.float32)
    metal = np.full(grid.shape, 1e3, np.float32)
    # Bone and discs first, then holes through everything, then metal on top.
    for wp in sorted(parts, key=lambda wp: {'bone': 0, 'disc': 0, 'hole': 1, 'metal': 2}[wp.part.kind]):
        lo, hi = world_bbox(wp.part.lo, wp.part.hi, wp.origin, wp.R)
        sl = grid.box(lo, hi)
        if sl is None:
            continue
        X, Y, Z = grid.coords(sl)
        dx, dy, dz = X - wp.origin[0], Y - wp.origin[1], Z - wp.origin[2]
        R = wp.R
        lx = R[0, 0] * dx + R[1, 0] * dy + R[2, 0] * dz
        ly = R[0, 1] * dx + R[1, 1] * dy + R[2, 1] * dz
        lz = R[0, 2] * dx + R[1, 2] * dy + R[2, 2] * dz
        d = wp.part.fn(lx, ly, lz).astype(np.float32)
        kind = wp.part.kind
        if kind == 'bone':
            sub, lab = bone[sl], label[sl]
            closer = d < sub
            sub[closer] = d[closer]
            lab[closer] = wp.part.label
        elif kind == 'hole':
            np.maximum(bone[sl], -d, out=bone[sl])
        elif kind == 'disc':
            np.minimum(disc[sl], d, out=disc[sl])
        else:
            np.minimum(metal[sl], d, out=metal[sl])
    return {'bone': bone, 'label': label, 'disc': disc, 'metal': metal}


def compose(soft: np.ndarray, fields: dict[str, np.ndarray], grid: Grid, rng: np.random.Generator, p: dict) -> tuple[np.ndarray, np.ndarray]:
    """HU from tissue, discs, bone (cortical shell + cancellous with texture) and metal; labels."""
    hu = soft
    vox = float(np.min(grid.spacing))
    disc = fields['disc'] < 0
    hu[disc] = p['disc_hu']
    bone = fields['bone']
    # Cancellous texture: smooth random field, a stand-in for trabecular pattern and marrow.
    tex = ndimage.gaussian_filter(rng.normal(0, 1, grid.shape).astype(np.float32), 2.0 / vox)
    tex *= p['cancellous_sd'] / (tex.std() + 1e-6)
    canc = p['cancellous_hu'] + tex
    cortex = np.clip((bone + p['cortex_mm']) / p['cortex_mm'], 0, 1)  # 1 at the surface, 0 deep inside
    bone_hu = canc + (p['cortical_hu'] - canc) * cortex
    # Partial volume at the outer surface: blend over one voxel.
    w = np.clip(0.5 - bone / vox, 0, 1)
    np.copyto(hu, hu + (bone_hu - hu) * w, where=w > 0)
    # Like manual masks, the label takes in the partial-volume rim (half a voxel beyond the surface).
    labels = np.where(bone < 0.5 * vox, fields['label'], 0).astype(np.uint8)
    metal = fields['metal'] < 0
    if metal.any():
        hu[metal] = p['metal_hu']
        add_streaks(hu, metal, grid, rng)
    return hu, labels


def add_streaks(hu: np.ndarray, metal: np.ndarray, grid: Grid, rng: np.random.Generator) -> None:
    """Dark and bright streaks radiating from metal in every axial slice that holds it."""
    nx, ny = grid.shape[:2]
    I, J = np.meshgrid(np.arange(nx) * grid.spacing[0], np.arange(ny) * grid.spacing[1], indexing='ij')
    angles = rng.uniform(0, np.pi, 6)
    amps = rng.uniform(150, 500, 6) * rng.choice([-1, 1], 6)
    for k in np.nonzero(metal.any(axis=(0, 1)))[0]:
        ii, jj = np.nonzero(metal[:, :, k])
        cx, cy = ii.mean() * grid.spacing[0], jj.mean() * grid.spacing[1]
        dx, dy = I - cx, J - cy
        r = np.hypot(dx, dy) + 5.0
        s = np.zeros_like(r)
        for a, amp in zip(angles, amps):
            dist = np.abs(-np.sin(a) * dx + np.cos(a) * dy)
            s += amp * np.exp(-(dist / 1.5) ** 2) * np.exp(-r / 120.0)
        hu[:, :, k] += (s * min(1.0, len(ii) / 30.0)).astype(np.float32)


def finish(hu: np.ndarray, grid: Grid, rng: np.random.Generator, p: dict) -> np.ndarray:
    """Scanner blur (point spread in mm) and correlated noise, as int16 HU."""
    sigma = np.array([p['blur_mm']] * 3) / grid.spacing
    out = ndimage.gaussian_filter(hu, np.maximum(sigma, 0.3))
    noise = ndimage.gaussian_filter(rng.normal(0, 1, hu.shape).astype(np.float32), 0.7)
    noise *= p['noise_hu'] / (noise.std() + 1e-6)
    out += noise
    return np.clip(np.rint(out), -1024, 32767).astype(np.int16)
