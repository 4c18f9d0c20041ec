"""Minimal PNG writing and the case views (mid-sagittal, mid-coronal, axial) used for the
contact sheet; numpy + zlib only."""
from __future__ import annotations

import struct
import zlib

import nibabel as nib
import numpy as np
from scipy import ndimage


def write_png(path: str, rgb: np.ndarray) -> None:
    """rgb: (height, width, 3) uint8."""
    h, w, _ = rgb.shape
    raw = b''.join(b'\x00' + rgb[y].tobytes() for y in range(h))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack('>I', len(data)) + tag + data + struct.pack('>I', zlib.crc32(tag + data) & 0xFFFFFFFF)
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
                + chunk(b'IDAT', zlib.compress(raw, 6)) + chunk(b'IEND', b''))


def _window(a: np.ndarray, lo: float = -400, hi: float = 1200) -> np.ndarray:
    return (np.clip((a - lo) / (hi - lo), 0, 1) * 255).astype(np.uint8)


def _iso(plane: np.ndarray, sp: tuple[float, float], mm: float = 1.0) -> np.ndarray:
    return ndimage.zoom(plane, (sp[0] / mm, sp[1] / mm), order=1)


def views(ct: nib.Nifti1Image, height: int = 256) -> list[np.ndarray]:
    """Mid-sagittal and mid-coronal (superior up) and a mid axial slice, as grey RGB images, each
    resampled to 1 mm and scaled to `height` pixels."""
    can = nib.as_closest_canonical(ct)
    a = np.asanyarray(can.dataobj).astype(np.float32)
    sp = can.header.get_zooms()[:3]
    nx, ny, nz = a.shape
    # Sagittal through the bone-richest column, coronal likewise.
    bone = (a > 250).sum(axis=2)
    ix = int(np.argmax(bone.sum(axis=1))) if bone.any() else nx // 2
    iy = int(np.argmax(bone.sum(axis=0))) if bone.any() else ny // 2
    sag = _iso(a[ix, :, :], (sp[1], sp[2]))[:, ::-1].T     # rows: S→I, cols: P→A
    cor = _iso(a[:, iy, :], (sp[0], sp[2]))[::-1, ::-1].T  # rows: S→I, cols: R→L (radiological)
    ax = _iso(a[:, :, nz // 2], (sp[0], sp[1]))[::-1, ::-1].T
    out = []
    for im in (sag, cor, ax):
        z = height / im.shape[0]
        im = ndimage.zoom(im, (z, z), order=1)
        out.append(np.repeat(_window(im)[:, :, None], 3, axis=2))
    return out


def around_bone(tile: np.ndarray, width: int) -> np.ndarray:
    """A fixed-width window of a view, centred on its bone (so tiles line up on a sheet)."""
    grey = tile[:, :, 0].astype(float)
    bright = grey > np.percentile(grey, 99)
    col = int(np.argmax(bright.sum(0))) if bright.any() else tile.shape[1] // 2
    out = np.zeros((tile.shape[0], width, 3), np.uint8)
    lo = col - width // 2
    src = slice(max(lo, 0), min(lo + width, tile.shape[1]))
    out[:, src.start - lo:src.stop - lo] = tile[:, src]
    return out


def sheet(tiles: list[np.ndarray], cols: int, pad: int = 4) -> np.ndarray:
    h = max(t.shape[0] for t in tiles)
    w = max(t.shape[1] for t in tiles)
    rows = (len(tiles) + cols - 1) // cols
    out = np.zeros((rows * (h + pad) + pad, cols * (w + pad) + pad, 3), np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        y, x = pad + r * (h + pad), pad + c * (w + pad) + (w - t.shape[1]) // 2
        out[y:y + t.shape[0], x:x + t.shape[1]] = t
    return out
