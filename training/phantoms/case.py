"""One phantom case from a seed: patient, pathology, field of view, scanner, orientation."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import nibabel as nib
import numpy as np

from . import render, tissue
from .anatomy import NAMES, Level, sample_levels, with_fracture
from .grid import Grid
from .spine import Placed, WorldPart, place, sacrum_and_pelvis, skull_base
from .vertebra import capsule_part, atlas_parts, body_part, dens_part, disc_part, posterior_parts, rib_parts

MAX_VOXELS = 12_000_000
MAX_RENDER_VOXELS = 40_000_000
FOV_KINDS = ('full', 'cervical', 'thoracic', 'lumbar', 'partial')
ALL_CODES = [''.join(c) for p in itertools.permutations('RAS') for c in itertools.product(*[(a, {'R': 'L', 'A': 'P', 'S': 'I'}[a]) for a in p])]


@dataclass
class Options:
    """Anything left None is drawn from the seed."""
    fov: str | None = None
    spacing: tuple[float, float, float] | None = None   # mm along R, A, S
    orientation: str | None = None
    fractures: int | None = None
    metal: bool | None = None
    tight_crop: bool | None = None
    noise_hu: float | None = None
    fov_half_mm: float | None = None   # in-plane half width of a body field of view
    max_voxels: int = MAX_VOXELS


@dataclass
class Case:
    ct: nib.Nifti1Image
    mask: nib.Nifti1Image
    ctd: list
    params: dict = field(default_factory=dict)


def _patient(rng, opt: Options) -> tuple[list[Level], dict]:
    scale = rng.uniform(0.85, 1.15)
    levels = sample_levels(rng, scale)
    n_frac = opt.fractures if opt.fractures is not None else (rng.integers(1, 3) if rng.random() < 0.15 else 0)
    candidates = [i for i, l in enumerate(levels) if 13 <= l.label <= 23]
    for i in rng.choice(candidates, size=n_frac, replace=False) if n_frac else []:
        levels[i] = with_fracture(levels[i], float(rng.uniform(0.15, 0.45)))
    osteo = rng.random() < 0.2
    p = {
        'scale': float(scale),
        'osteoporosis': bool(osteo),
        'cancellous_hu': float(rng.uniform(30, 100) if osteo else rng.uniform(100, 250)),
        'cancellous_sd': float(rng.uniform(40, 90)),
        'cortical_hu': float(rng.uniform(1000, 1800)),
        'cortex_mm': float(rng.uniform(0.6, 1.0) if osteo else rng.uniform(0.9, 1.6)),
        'disc_hu': float(rng.uniform(60, 110)),
        'fat_hu': float(rng.uniform(-120, -80)),
        'muscle_hu': float(rng.uniform(35, 60)),
        'lung_hu': float(rng.uniform(-900, -780)),
        'liver_hu': float(rng.uniform(50, 70)),
        'kidney_hu': float(rng.choice([30.0, 160.0])),
        'aorta_hu': float(rng.choice([40.0, 250.0], p=[0.6, 0.4])),
        'habitus': float(rng.uniform(0.85, 1.25)),
        'fat_mm': float(rng.uniform(5, 35)),
        'tissue_sd': float(rng.uniform(8, 25)),
        'metal_hu': float(rng.uniform(3500, 8000)),
        'noise_hu': float(rng.uniform(5, 40)),
        'blur_mm': float(rng.uniform(0.4, 0.9)),
    }
    return levels, p


def _parts(placed: list[Placed], rng, p: dict, metal: bool) -> tuple[list[WorldPart], list[str]]:
    out: list[WorldPart] = []
    notes: list[str] = []
    for i, pl in enumerate(placed):
        lv = pl.level
        own = atlas_parts(lv) if lv.label == 1 else [body_part(lv), *posterior_parts(lv)]
        if lv.label == 2:
            own.append(dens_part(lv))
        if i + 1 < len(placed) and lv.label != 1:
            own.append(disc_part(lv, placed[i + 1].level, lv.dims['DH']))
        if lv.has_ribs:
            inset = p['fat_mm'] + 10
            own += rib_parts(lv, 150 * p['habitus'] - inset, 112 * p['habitus'] - inset, 17 * p['habitus'], rng)
        if lv.sacralised:
            for s in (-1, 1):
                own.append(capsule_part('bone', lv.label, (s * 20, -lv.dims['D'] / 2 - 10, 0), (s * 62, -20, -22), 9.0, 11.0))
        out += [WorldPart(q, pl.origin, pl.R) for q in own]
    if placed[0].level.label == 1:
        out += skull_base(placed[0], rng)
    if placed[-1].level.label in (24, 25):
        out += sacrum_and_pelvis(placed[-1], rng, placed[-1].level.sacralised)
    if metal:
        lumbar = [i for i, pl in enumerate(placed) if 17 <= pl.level.label <= 25]
        n = int(rng.integers(2, 5))
        start = int(rng.choice(lumbar[: max(1, len(lumbar) - n + 1)]))
        heads = {-1: [], 1: []}
        for pl in placed[start:start + n]:
            d = pl.level.dims
            cy = -d['D'] / 2 - d['CD'] / 2
            for s in (-1, 1):
                entry = np.array([s * (d['CW'] / 2 + d['PW'] * 0.6), cy - 14, 0.15 * d['H']])
                out.append(WorldPart(capsule_part('metal', 0, tuple(entry), (s * d['W'] * 0.12, d['D'] * 0.3, 0.15 * d['H']), 3.0), pl.origin, pl.R))
                heads[s].append(pl.origin + pl.R @ entry)
        for s in (-1, 1):
            for a, b in zip(heads[s][:-1], heads[s][1:]):
                out.append(WorldPart(capsule_part('metal', 0, tuple(a), tuple(b), 3.0), np.zeros(3), np.eye(3)))
        notes.append(f'metal:{NAMES[placed[start].level.label]}-{NAMES[placed[min(start + n, len(placed)) - 1].level.label]}')
    return out, notes


def _fov(placed: list[Placed], rng, opt: Options, p: dict) -> tuple[np.ndarray, np.ndarray, str]:
    kind = opt.fov or str(rng.choice(FOV_KINDS, p=[0.2, 0.15, 0.2, 0.25, 0.2]))
    z = {pl.level.label: pl.origin[2] for pl in placed}
    zs = np.array([pl.origin[2] for pl in placed])
    top_all, bottom_all = zs.max() + 40, zs.min() - 70
    if kind == 'full':
        top, bottom = top_all + rng.uniform(-20, 10), bottom_all + rng.uniform(-10, 20)
    elif kind == 'cervical':
        top, bottom = z[1] + rng.uniform(20, 60), z.get(9, zs.min()) + rng.uniform(-20, 20)
    elif kind == 'thoracic':
        top, bottom = z[7] + rng.uniform(-5, 20), z[20] + rng.uniform(-15, 10)
    elif kind == 'lumbar':
        top, bottom = z[18] + rng.uniform(-10, 20), bottom_all + rng.uniform(-10, 40)
    else:
        length = rng.uniform(60, 260)
        top = rng.uniform(zs.min() + length * 0.5, zs.max())
        bottom = top - length
    inside = [pl for pl in placed if bottom <= pl.origin[2] <= top] or placed
    cx = float(np.mean([pl.origin[0] for pl in inside]))
    cy = float(np.mean([pl.origin[1] for pl in inside]))
    tight = opt.tight_crop if opt.tight_crop is not None else rng.random() < 0.35
    if tight:   # a crop around the spine, like the public VerSe crops
        lo = [cx - rng.uniform(45, 80), cy - rng.uniform(80, 100), bottom]
        hi = [cx + rng.uniform(45, 80), cy + rng.uniform(35, 70), top]
    else:
        half = opt.fov_half_mm or 160 * p['habitus'] + rng.uniform(10, 60)
        lo = [cx - half, cy - 75 * p['habitus'] - rng.uniform(20, 60), bottom]
        hi = [cx + half, lo[1] + 2 * half * (1.0 if opt.fov_half_mm else 0.8), top]
    return np.array(lo), np.array(hi), f'{kind}{"-crop" if tight else ""}'


def _spacing(rng, opt: Options, extent: np.ndarray) -> np.ndarray:
    if opt.spacing is not None:
        sp = np.array(opt.spacing, float)
    else:
        inplane = rng.uniform(0.3, 1.5)
        thick = rng.choice([rng.uniform(0.3, 1.5), rng.uniform(1.5, 3.0), rng.uniform(3.0, 5.0)], p=[0.45, 0.4, 0.15])
        axis = rng.choice([2, 0, 1], p=[0.75, 0.2, 0.05])  # axial slices, else sagittal, coronal
        sp = np.full(3, inplane)
        sp[axis] = thick
    n = np.prod(np.ceil(extent / sp))
    if n > opt.max_voxels:
        # Coarser in-plane only: the slice thickness is what the scanner chose.
        thick = int(np.argmax(sp))
        f = np.sqrt(n / opt.max_voxels)
        sp = np.array([s * f if i != thick else s for i, s in enumerate(sp)])
    return sp


def _orient(hu: np.ndarray, lab: np.ndarray, grid: Grid, code: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Canonical RAS arrays → arrays and affine in the orientation `code` (e.g. 'PIR')."""
    axes = ['RLAPSI'.index(c) // 2 for c in code]
    signs = [1 if c in 'RAS' else -1 for c in code]
    hu, lab = np.transpose(hu, axes), np.transpose(lab, axes)
    affine = np.zeros((4, 4))
    affine[3, 3] = 1.0
    for t, (w, s) in enumerate(zip(axes, signs)):
        if s < 0:
            hu, lab = np.flip(hu, t), np.flip(lab, t)
        affine[w, t] = s * grid.spacing[w]
        affine[w, 3] = grid.origin[w] + (grid.spacing[w] * (grid.shape[w] - 1) if s < 0 else 0.0)
    return np.ascontiguousarray(hu), np.ascontiguousarray(lab), affine


def _block_mean(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    n = [a.shape[i] // k[i] for i in range(3)]
    a = a[: n[0] * k[0], : n[1] * k[1], : n[2] * k[2]]
    return a.reshape(n[0], k[0], n[1], k[1], n[2], k[2]).mean(axis=(1, 3, 5))


def make_case(seed: int, opt: Options | None = None) -> Case:
    opt = opt or Options()
    rng = np.random.default_rng(seed)
    levels, p = _patient(rng, opt)
    if opt.noise_hu is not None:
        p['noise_hu'] = opt.noise_hu
    placed, curve = place(levels, rng)
    metal = opt.metal if opt.metal is not None else rng.random() < 0.08
    parts, notes = _parts(placed, rng, p, metal)
    lo, hi, fov = _fov(placed, rng, opt, p)
    sp = _spacing(rng, opt, hi - lo)
    # Render finer than the output along thick axes, then average: true partial volume.
    k = np.maximum(1, np.ceil(sp / 1.3)).astype(int)
    while np.prod(np.ceil((hi - lo) / sp)) * np.prod(k) > MAX_RENDER_VOXELS and k.max() > 1:
        k[np.argmax(k)] -= 1
    shape_out = tuple(int(max(2, np.floor((hi[i] - lo[i]) / sp[i]) + 1)) for i in range(3))
    rs = sp / k
    origin_r = lo - (k - 1) / 2 * rs   # sub-samples centred on the output voxel centres
    fine = Grid(origin_r, rs, tuple(int(shape_out[i] * k[i]) for i in range(3)))
    soft = tissue.paint(fine, placed, rng, p)
    fields = render.rasterise(parts, fine)
    hu, lab = render.compose(soft, fields, fine, rng, p)
    hu = _block_mean(hu, k).astype(np.float32)
    lab = lab[k[0] // 2::k[0], k[1] // 2::k[1], k[2] // 2::k[2]][: shape_out[0], : shape_out[1], : shape_out[2]]
    grid = Grid(lo, sp, shape_out)
    ct = render.finish(hu, grid, rng, p)
    code = opt.orientation or str(rng.choice(['LPS', 'RAS', 'PIR', 'LAS', rng.choice(ALL_CODES)], p=[0.3, 0.15, 0.2, 0.05, 0.3]))
    ct_o, lab_o, affine = _orient(ct, np.ascontiguousarray(lab), grid, code)
    unannotated = drop_unseen_centres(placed, lab_o, affine)
    ctd = centroids(placed, lab_o, affine, code)
    params = {
        'seed': seed, 'fov': fov, 'orientation': code, 'spacing': [round(float(s), 4) for s in sp],
        'shape': list(ct_o.shape), 'labels': [int(c['label']) for c in ctd[1:]],
        'fractures': [f'{NAMES[l.label]}:{l.fracture:.2f}' for l in levels if l.fracture],
        'transitional': [NAMES[l.label] for l in levels if l.label in (25, 28)] + [f'sacralised {NAMES[l.label]}' for l in levels if l.sacralised],
        'notes': notes, 'cut_unannotated': [NAMES[l] for l in unannotated], **curve, **{k_: (round(v, 3) if isinstance(v, float) else v) for k_, v in p.items()},
    }
    img = nib.Nifti1Image(ct_o, affine)
    msk = nib.Nifti1Image(lab_o, affine)
    for im in (img, msk):
        im.set_qform(affine, code=1)
        im.set_sform(affine, code=1)
        im.header.set_xyzt_units('mm')
    return Case(img, msk, ctd, params)


def drop_unseen_centres(placed: list[Placed], lab: np.ndarray, affine: np.ndarray) -> list[int]:
    """A vertebra whose body centre lies outside the scan keeps its bone but gets no label (its
    level cannot be told from a fragment); returns the labels removed."""
    inv = np.linalg.inv(affine)
    removed = []
    for pl in placed:
        v = inv[:3, :3] @ pl.origin + inv[:3, 3]
        if np.any(v < -0.5) or np.any(v > np.array(lab.shape) - 0.5):
            hit = lab == pl.level.label
            if hit.any():
                lab[hit] = 0
                removed.append(pl.level.label)
    return removed


def centroids(placed: list[Placed], lab: np.ndarray, affine: np.ndarray, code: str) -> list:
    """VerSe centroid JSON (voxel indices along the image axes) for every label in the mask: the
    vertebral-body centre (C1: ring centre); for a vertebra cut by the field of view whose centre
    is not visible, the visible voxel of that label nearest to its visible centre."""
    inv = np.linalg.inv(affine)
    out: list = [{'direction': list(code)}]
    present = set(np.unique(lab).tolist()) - {0}
    for pl in placed:
        l = pl.level.label
        if l not in present:
            continue
        v = inv[:3, :3] @ pl.origin + inv[:3, 3]
        idx = np.rint(v).astype(int)
        pts = np.argwhere(lab == l)
        inside = bool(np.all(idx >= 0) and np.all(idx < lab.shape))
        # C1's centre is in its ring's opening: it counts when it lies within the visible ring.
        ok = inside and (bool(np.all(pts.min(0) <= idx) and np.all(idx <= pts.max(0))) if l == 1 else lab[tuple(idx)] == l)
        if not ok:
            # Cut by the field of view: the visible voxel nearest to the (unseen) body centre, so
            # the centroids stay in cranio-caudal order.
            v = pts[np.argmin(((pts - v) ** 2).sum(1))].astype(float)
        out.append({'label': int(l), 'X': round(float(v[0]), 2), 'Y': round(float(v[1]), 2), 'Z': round(float(v[2]), 2)})
    return out
