"""Mask-driven phantoms: CT appearance rendered around a real vertebra mask (VerSe), after a
random affine and elastic deformation, so that real vertebra shapes of every level enter training.
The cortical shell comes from the mask surface, cancellous bone from its interior; discs sit
between neighbouring vertebrae; soft tissue and ribs come from the synthetic generator."""
from __future__ import annotations

import nibabel as nib
import numpy as np
from scipy import ndimage

from ..data.resample import to_canonical
from ..data.verse import Case as RealCase, body_centres
from . import render, tissue
from .anatomy import Level, anchor_dims
from .case import ALL_CODES, Case, _orient, _patient, Options
from .grid import Grid
from .spine import Placed, WorldPart
from .vertebra import rib_parts

SPACING = 1.0


def deform(lab: np.ndarray, rng: np.random.Generator, max_rot_deg: float = 8.0, elastic_mm: float = 3.0) -> np.ndarray:
    """Random rotation, scale and smooth elastic displacement about the volume centre (nearest)."""
    shape = np.array(lab.shape)
    c = (shape - 1) / 2
    ang = np.deg2rad(rng.uniform(-max_rot_deg, max_rot_deg, 3))
    rx = np.array([[1, 0, 0], [0, np.cos(ang[0]), -np.sin(ang[0])], [0, np.sin(ang[0]), np.cos(ang[0])]])
    ry = np.array([[np.cos(ang[1]), 0, np.sin(ang[1])], [0, 1, 0], [-np.sin(ang[1]), 0, np.cos(ang[1])]])
    rz = np.array([[np.cos(ang[2]), -np.sin(ang[2]), 0], [np.sin(ang[2]), np.cos(ang[2]), 0], [0, 0, 1]])
    A = rx @ ry @ rz @ np.diag(rng.uniform(0.92, 1.08, 3))
    coarse = np.maximum(2, shape // 12)
    disp = [ndimage.zoom(ndimage.gaussian_filter(rng.normal(0, 1, coarse), 1.0), shape / coarse, order=1)[: shape[0], : shape[1], : shape[2]] for _ in range(3)]
    disp = [d * (elastic_mm / SPACING) / (np.abs(d).max() + 1e-6) for d in disp]
    grid = np.meshgrid(*[np.arange(n, dtype=np.float32) - cc for n, cc in zip(shape, c)], indexing='ij')
    src = [A[i, 0] * grid[0] + A[i, 1] * grid[1] + A[i, 2] * grid[2] + c[i] + disp[i] for i in range(3)]
    return ndimage.map_coordinates(lab, src, order=0, mode='constant', cval=0).astype(np.uint8)


def _placed(centres: dict[int, np.ndarray]) -> list[Placed]:
    """Vertebrae as the tissue painter and rib builder need them: a frame from the neighbours."""
    labels = sorted(centres, key=lambda l: (l if l != 28 else 19.5) if l != 25 else 24.5)
    out = []
    for i, l in enumerate(labels):
        up = centres[labels[max(i - 1, 0)]] - centres[labels[min(i + 1, len(labels) - 1)]]
        up = up / (np.linalg.norm(up) + 1e-9) if np.linalg.norm(up) > 1 else np.array([0, 0, 1.0])
        y = np.array([0, 1.0, 0]) - up[1] * up
        y /= np.linalg.norm(y)
        R = np.stack([np.cross(y, up), y, up], axis=1)
        dims = anchor_dims(max(2.0, {25: 24.0, 28: 19.0}.get(l, float(l))))
        lv = Level(label=l, shape_level=float(l), dims=dims, has_ribs=8 <= l <= 19 or l == 28, rib_length=0.4 if l in (18, 19) else 1.0)
        out.append(Placed(lv, centres[l], R))
    return out


def make_from_mask(real: RealCase, seed: int, opt: Options | None = None) -> Case:
    opt = opt or Options()
    rng = np.random.default_rng(seed)
    lab, aff = to_canonical(real.mask(), SPACING, 0)
    lab = np.pad(lab, 12)                                   # room for the deformation
    aff = aff @ np.array([[1, 0, 0, -12], [0, 1, 0, -12], [0, 0, 1, -12], [0, 0, 0, 1.0]])
    lab = deform(lab, rng)
    _, p = _patient(rng, opt)
    img = nib.Nifti1Image(lab, aff)
    centres = body_centres(img)
    placed = _placed(centres)
    grid = Grid(aff[:3, 3].copy(), np.full(3, SPACING), lab.shape)
    soft = tissue.paint(grid, placed, rng, p)
    bone = lab > 0
    sdf = np.where(bone, -ndimage.distance_transform_edt(bone), ndimage.distance_transform_edt(~bone)).astype(np.float32) * SPACING
    # Smooth the signed distance: the voxel staircase of a deformed mask would otherwise become
    # a jagged, spotty cortex. Labels reach the smoothed surface from the nearest labelled voxel.
    sdf = ndimage.gaussian_filter(sdf, 1.0)
    nearest = ndimage.distance_transform_edt(~bone, return_distances=False, return_indices=True)
    filled = lab[tuple(nearest)]
    bone = sdf < 0
    lab = np.where(bone, filled, 0).astype(np.uint8)
    # Ribs from the synthetic generator, so thoracic levels are not recognisable by their absence.
    parts = [WorldPart(q, pl.origin, pl.R) for pl in placed if pl.level.has_ribs
             for q in rib_parts(pl.level, 150 * p['habitus'] - p['fat_mm'] - 10, 112 * p['habitus'] - p['fat_mm'] - 10, 17 * p['habitus'], rng)]
    ribs = render.rasterise(parts, grid)['bone'] if parts else np.full(lab.shape, 1e3, np.float32)
    disc = np.zeros(lab.shape, bool)
    ids = [pl.level.label for pl in placed]
    ball = ndimage.generate_binary_structure(3, 1)
    for a, b in zip(ids[:-1], ids[1:]):
        near = ndimage.binary_dilation(lab == a, ball, iterations=4) & ndimage.binary_dilation(lab == b, ball, iterations=4)
        disc |= near & ~bone
    fields = {'bone': np.minimum(sdf, ribs), 'label': filled, 'disc': np.where(disc, -1.0, 1.0).astype(np.float32), 'metal': np.full(lab.shape, 1e3, np.float32)}
    hu, labels = render.compose(soft, fields, grid, rng, p)
    ct = render.finish(hu, grid, rng, p)
    # A scanner's grid: random spacing (thick axis mostly S), then a random orientation code.
    sp = np.full(3, rng.uniform(0.6, 1.4))
    sp[rng.choice([2, 0], p=[0.7, 0.3])] = rng.uniform(1.0, 4.0)
    zoom = SPACING / sp
    ct = ndimage.zoom(ct.astype(np.float32), zoom, order=1).round().astype(np.int16)
    labels = ndimage.zoom(labels, zoom, order=0)
    # scipy's zoom maps corner voxel centres onto each other: the true spacing follows from the shapes.
    out_grid = Grid(grid.origin, SPACING * (np.array(lab.shape) - 1) / np.maximum(np.array(ct.shape) - 1, 1), ct.shape)
    code = opt.orientation or str(rng.choice(ALL_CODES))
    ct_o, lab_o, affine = _orient(ct, labels, out_grid, code)
    mask = nib.Nifti1Image(lab_o, affine)
    ctd: list = [{'direction': list(code)}]
    inv = np.linalg.inv(affine)
    for l, w in sorted(body_centres(mask).items()):
        v = inv[:3, :3] @ w + inv[:3, 3]
        ctd.append({'label': int(l), 'X': round(float(v[0]), 2), 'Y': round(float(v[1]), 2), 'Z': round(float(v[2]), 2)})
    params = {'seed': seed, 'source_subject': real.subject, 'source_case': real.id, 'orientation': code,
              'spacing': [round(float(s), 4) for s in out_grid.spacing], 'shape': list(ct_o.shape), 'labels': [c['label'] for c in ctd[1:]]}
    ct_img = nib.Nifti1Image(ct_o, affine)
    for im in (ct_img, mask):
        im.set_qform(affine, code=1)
        im.set_sform(affine, code=1)
    return Case(ct_img, mask, ctd, params)
