"""Approximate signed distance functions (mm; negative inside) on point arrays.

Shapes are built from these and combined with min (union) / max(a, -b) (subtraction), so the
cortical shell, partial volume and overlaps can all be decided from one number per voxel at any
voxel size and orientation.
"""
from __future__ import annotations

import numpy as np

Arr = np.ndarray


def ellipsoid(x: Arr, y: Arr, z: Arr, a: float, b: float, c: float) -> Arr:
    r = np.sqrt((x / a) ** 2 + (y / b) ** 2 + (z / c) ** 2)
    return (r - 1.0) * min(a, b, c)


def elliptic_cylinder(x: Arr, y: Arr, z: Arr, a: float | Arr, b: float | Arr, h: float | Arr) -> Arr:
    """Axis along z, semi-axes a (x), b (y), half-height h; a, b, h may vary per point."""
    r = np.sqrt((x / a) ** 2 + (y / b) ** 2)
    side = (r - 1.0) * np.minimum(a, b)
    cap = np.abs(z) - h
    outside = np.sqrt(np.maximum(side, 0) ** 2 + np.maximum(cap, 0) ** 2)
    return np.where((side > 0) | (cap > 0), outside, np.maximum(side, cap))


def capsule(x: Arr, y: Arr, z: Arr, p0, p1, r0: float, r1: float | None = None) -> Arr:
    """Segment p0→p1 with radius tapering from r0 to r1."""
    r1 = r0 if r1 is None else r1
    p0 = np.asarray(p0, float)
    d = np.asarray(p1, float) - p0
    L2 = float(d @ d) or 1e-9
    t = np.clip(((x - p0[0]) * d[0] + (y - p0[1]) * d[1] + (z - p0[2]) * d[2]) / L2, 0.0, 1.0)
    dx, dy, dz = x - (p0[0] + t * d[0]), y - (p0[1] + t * d[1]), z - (p0[2] + t * d[2])
    return np.sqrt(dx * dx + dy * dy + dz * dz) - (r0 + t * (r1 - r0))


def elliptic_ring(x: Arr, y: Arr, z: Arr, a: float, b: float, thick: float, h: float) -> Arr:
    """Elliptic annulus in the xy-plane (inner semi-axes a, b; wall `thick`), half-height h."""
    r = np.sqrt((x / (a + thick / 2)) ** 2 + (y / (b + thick / 2)) ** 2)
    wall = np.abs(r - 1.0) * (min(a, b) + thick / 2) - thick / 2
    return np.maximum(wall, np.abs(z) - h)


def union(*ds: Arr) -> Arr:
    out = ds[0]
    for d in ds[1:]:
        out = np.minimum(out, d)
    return out


def subtract(d: Arr, hole: Arr) -> Arr:
    return np.maximum(d, -hole)
