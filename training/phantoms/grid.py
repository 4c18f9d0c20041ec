"""A canonical RAS grid (axis-aligned, world = origin + index · spacing) and sub-box access."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Grid:
    origin: np.ndarray   # world position of voxel (0, 0, 0), mm
    spacing: np.ndarray  # mm along R, A, S
    shape: tuple[int, int, int]

    def box(self, lo, hi) -> tuple[slice, slice, slice] | None:
        """Index slices of the voxels whose centres fall in the world box [lo, hi]; None if empty."""
        a = np.ceil((np.asarray(lo) - self.origin) / self.spacing).astype(int)
        b = np.floor((np.asarray(hi) - self.origin) / self.spacing).astype(int) + 1
        a = np.maximum(a, 0)
        b = np.minimum(b, self.shape)
        if np.any(b <= a):
            return None
        return tuple(slice(int(i), int(j)) for i, j in zip(a, b))

    def coords(self, sl) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Broadcastable world coordinates of a sub-box."""
        ax = [self.origin[d] + self.spacing[d] * np.arange(sl[d].start, sl[d].stop) for d in range(3)]
        return ax[0][:, None, None], ax[1][None, :, None], ax[2][None, None, :]


def world_bbox(lo, hi, origin, R) -> tuple[np.ndarray, np.ndarray]:
    """World bounding box of a local box under world = origin + R @ local."""
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    w = corners @ R.T + origin
    return w.min(0), w.max(0)


def paint_ellipsoid(hu: np.ndarray, grid: Grid, c, r, value: float, only_above: float | None = None) -> None:
    sl = grid.box(np.asarray(c) - r, np.asarray(c) + r)
    if sl is None:
        return
    X, Y, Z = grid.coords(sl)
    m = ((X - c[0]) / r[0]) ** 2 + ((Y - c[1]) / r[1]) ** 2 + ((Z - c[2]) / r[2]) ** 2 <= 1
    sub = hu[sl]
    if only_above is not None:
        m &= sub > only_above
    sub[m] = value
