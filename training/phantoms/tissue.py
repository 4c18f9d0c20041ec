"""Soft tissue around the spine, on a canonical RAS grid: body outline with fat and muscle,
lungs, heart, aorta, trachea, liver, kidneys, bowel gas."""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from .grid import Grid, paint_ellipsoid
from .spine import Placed, region

# Body cross-section (semi-axes a: left–right, b: antero-posterior, mm) and how far the body
# centre lies in front of the vertebral body centre, per region of the spine.
PROFILE = {'head': (72, 88, 28), 'C': (58, 58, -2), 'T1': (165, 100, 10), 'T': (150, 112, 17), 'L': (150, 118, 18), 'S': (170, 112, 22)}


def paint(grid: Grid, placed: list[Placed], rng: np.random.Generator, params: dict) -> np.ndarray:
    """Returns HU (float32) of everything but bone and discs."""
    shape = grid.shape
    X, Y, Z = grid.coords(tuple(slice(0, n) for n in shape))
    hu = np.full(shape, -1000.0, np.float32)
    zs = np.array([p.origin[2] for p in placed])
    order = np.argsort(zs)
    zs_sorted = zs[order]
    ox = np.interp(Z.ravel(), zs_sorted, np.array([p.origin[0] for p in placed])[order])
    oy = np.interp(Z.ravel(), zs_sorted, np.array([p.origin[1] for p in placed])[order])
    # Region anchor per vertebra, then interpolated along z; above C1 the head, below L5 the pelvis.
    keys = ['T1' if p.level.label in (8, 9) else region(p.level.label) for p in placed]
    prof = np.array([PROFILE[k] for k in keys], float)
    top, bottom = placed[0].origin[2], placed[-1].origin[2]
    zz = np.concatenate([[top + 60], zs, [bottom - 80]])
    prof = np.vstack([PROFILE['head'], prof, PROFILE['S']])
    o = np.argsort(zz)
    habitus = params['habitus']
    a = np.interp(Z.ravel(), zz[o], prof[o, 0]) * habitus
    b = np.interp(Z.ravel(), zz[o], prof[o, 1]) * habitus
    yo = np.interp(Z.ravel(), zz[o], prof[o, 2]) * habitus
    cx, cy = ox[None, None, :], (oy + yo)[None, None, :]
    a, b = a[None, None, :], b[None, None, :]
    r = ((X - cx) / a) ** 2 + ((Y - cy) / b) ** 2
    fat = params['fat_mm']
    inner = ((X - cx) / np.maximum(a - fat, 10)) ** 2 + ((Y - cy) / np.maximum(b - fat, 10)) ** 2
    hu[r <= 1] = params['fat_hu']
    hu[inner <= 1] = params['muscle_hu']
    # Soft tissue is not uniform: fascia, vessels, fat strands (a smooth field, coarse to compute).
    coarse = tuple(max(2, n // 6) for n in shape)
    field = ndimage.zoom(ndimage.gaussian_filter(rng.normal(0, 1, coarse), 1.0), np.array(shape) / np.array(coarse), order=1)
    field = field[: shape[0], : shape[1], : shape[2]]
    body = r <= 1
    hu[body] += (params['tissue_sd'] * field / (field.std() + 1e-6))[body]
    by = {p.level.label: p for p in placed}
    spine_y = lambda z: float(np.interp(z, zs_sorted, np.array([p.origin[1] for p in placed])[order]))
    spine_x = lambda z: float(np.interp(z, zs_sorted, np.array([p.origin[0] for p in placed])[order]))
    thoracic = [p for p in placed if 8 <= p.level.label <= 19 or p.level.label == 28]
    if thoracic:
        zt, zb = thoracic[0].origin[2] + 25, thoracic[-1].origin[2] + 10
        zc, half = (zt + zb) / 2, (zt - zb) / 2
        aw = float(np.interp(zc, zz[o], prof[o, 0])) * habitus
        bw = float(np.interp(zc, zz[o], prof[o, 1])) * habitus
        for s in (-1, 1):
            c = (spine_x(zc) + s * aw * 0.42, spine_y(zc) + 12, zc)
            paint_ellipsoid(hu, grid, c, (aw * 0.36, bw * 0.62, half), params['lung_hu'])
        zh = zb + half * 0.45
        paint_ellipsoid(hu, grid, (spine_x(zh) - 15, spine_y(zh) + bw * 0.7, zh), (55, 42, 55), 42.0)
    # Aorta along the spine from T4 to L4, trachea from C6 to T4.
    for labels, dx, dy, rad, val in (((11, 23), -16.0, 1.0, 11.0, params['aorta_hu']), ((6, 11), 0.0, 1.0, 8.0, -1000.0)):
        pts = [by[l] for l in range(labels[0], labels[1] + 1) if l in by]
        for p0, p1 in zip(pts[:-1], pts[1:]):
            for t in np.linspace(0, 1, 4):
                c = (1 - t) * p0.origin + t * p1.origin
                c = c + np.array([dx, dy * (p0.level.dims['D'] / 2 + rad + 4), 0.0])
                paint_ellipsoid(hu, grid, c, (rad, rad, 9.0), val)
    if 19 in by or 20 in by:
        p = by.get(19) or by[20]
        c = p.origin + np.array([65.0, 45.0, 10.0])
        paint_ellipsoid(hu, grid, c, (70, 65, 70), params['liver_hu'], only_above=-200)
    if 21 in by:
        for s in (-1, 1):
            c = by[21].origin + np.array([s * 55.0, 5.0, 5.0])
            paint_ellipsoid(hu, grid, c, (26, 22, 52), params['kidney_hu'], only_above=-200)
    lumbar = [p for p in placed if 20 <= p.level.label <= 25]
    if lumbar:
        for _ in range(rng.integers(2, 9)):
            p = lumbar[rng.integers(len(lumbar))]
            c = p.origin + np.array([rng.uniform(-90, 90), rng.uniform(40, 100), rng.uniform(-20, 20)])
            paint_ellipsoid(hu, grid, c, rng.uniform(6, 22, 3), -900.0, only_above=-200)
    return hu
