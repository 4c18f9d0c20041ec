"""Canonical RAS, isotropic resampling with the same grid rule as the app (src/core/geometry/
canonical.ts): axes permuted/flipped to R, A, S; canonical voxel 0 on the source voxel centre that
is most L, P, I; n_out = floor((n − 1)·d / s) + 1. Training and inference see identical grids."""
from __future__ import annotations

import nibabel as nib
import numpy as np
from scipy import ndimage


def to_canonical(img: nib.Nifti1Image, spacing: float, order: int) -> tuple[np.ndarray, np.ndarray]:
    """(array on the canonical grid, its voxel→world affine). order 1 = trilinear (CT), 0 = labels."""
    can = nib.as_closest_canonical(img)
    data = np.asanyarray(can.dataobj)
    if order == 0:
        data = np.rint(data).astype(np.int16)
    else:
        data = data.astype(np.float32)
    d = np.sqrt((can.affine[:3, :3] ** 2).sum(0))
    step = spacing / d
    shape = [int(np.floor((n - 1) / st + 1e-6)) + 1 for n, st in zip(data.shape, step)]
    coords = np.meshgrid(*[np.arange(m) * st for m, st in zip(shape, step)], indexing='ij', sparse=False)
    out = ndimage.map_coordinates(data, coords, order=order, mode='nearest')
    affine = can.affine @ np.diag([*step, 1.0])
    return (out.astype(np.uint8) if order == 0 else out.astype(np.float32)), affine


def world_to_voxel(affine: np.ndarray, p: np.ndarray) -> np.ndarray:
    inv = np.linalg.inv(affine)
    return inv[:3, :3] @ p + inv[:3, 3]
