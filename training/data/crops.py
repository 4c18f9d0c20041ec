"""Training samples for each stage, cut from canonical isotropic volumes and cached as .npy.

- detector: k sagittal and k coronal slices over the bone-bearing part of the volume, each with
  one box per vertebra cross-section (VerSe id, centre and size in pixels);
- segmenter: a CT cube around each vertebra's bounding-box centre (with margin for shift augmentation), the
  binary mask of that vertebra, and the centre's position in the cube;
- identifier: the binary mask cube of each vertebra and its level.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass

import nibabel as nib
import numpy as np

from .resample import to_canonical, world_to_voxel

CACHE = os.path.join(os.path.dirname(__file__), '..', 'cache')


@dataclass(frozen=True)
class CropSpec:
    spacing: float = 1.5        # mm, isotropic
    slices: int = 24            # k sagittal and k coronal detector slices
    seg_size: int = 64          # segmenter cube edge (voxels)
    seg_margin: int = 8         # extra voxels each side for shift augmentation
    id_size: int = 64           # identifier cube edge (voxels)
    min_box_px: int = 12        # smaller cross-sections are not boxed
    centre: str = 'bbox'        # cubes centred on the vertebra's bounding-box centre (what stage 1 finds)
    det_box: str = 'section'    # detector boxes: 'section' (the cut's own bounds) or 'whole' (the whole vertebra's)


AIR = -1024.0   # HU outside a scan: what crops are padded with (as src/core/stages/segCrop.ts)


def _cube(a: np.ndarray, centre: np.ndarray, size: int, fill: float) -> np.ndarray:
    """A size³ cube of `a` centred (nearest voxel) on `centre`, padded with `fill` outside."""
    c = np.rint(centre).astype(int)
    lo = c - size // 2
    out = np.full((size,) * 3, fill, a.dtype)
    src = [slice(max(l, 0), min(l + size, n)) for l, n in zip(lo, a.shape)]
    dst = [slice(s.start - l, s.stop - l) for s, l in zip(src, lo)]
    if all(s.stop > s.start for s in src):
        out[tuple(dst)] = a[tuple(src)]
    return out


def bbox_centre(m: np.ndarray) -> np.ndarray:
    idx = np.argwhere(m)
    return (idx.min(0) + idx.max(0)) / 2


def bone_range(ct: np.ndarray, axis: int, hu: float = 250.0, keep: float = 0.02) -> tuple[int, int]:
    """Index range along `axis` that holds bone: where the bone voxel count exceeds `keep` of its peak."""
    others = tuple(a for a in range(3) if a != axis)
    prof = (ct > hu).sum(axis=others)
    idx = np.nonzero(prof > keep * prof.max())[0] if prof.max() > 0 else np.arange(ct.shape[axis])
    return int(idx.min()), int(idx.max())


def detector_samples(ct: np.ndarray, lab: np.ndarray, spec: CropSpec) -> list[dict]:
    """Per slice, one box per vertebra it cuts (≥ min_box_px pixels): with det_box 'whole' the
    projection of the whole vertebra's 3D bounding box (as the paper's detector boxes whole
    vertebrae), so every cut of a vertebra votes for the same centre and size."""
    out = []
    whole = {}
    if spec.det_box == 'whole':
        for l in np.unique(lab):
            if l:
                idx = np.argwhere(lab == l)
                whole[int(l)] = (idx.min(0), idx.max(0))
    for axis, plane in ((0, 'sagittal'), (1, 'coronal')):
        lo, hi = bone_range(ct, axis)
        for i in np.unique(np.linspace(lo, hi, spec.slices).round().astype(int)):
            img = np.take(ct, i, axis=axis)
            l2 = np.take(lab, i, axis=axis)
            boxes = []
            for l in np.unique(l2):
                if l == 0:
                    continue
                u, v = np.nonzero(l2 == l)
                if len(u) < spec.min_box_px:
                    continue
                if whole:
                    lo, hi = whole[int(l)]
                    a, b = [k for k in range(3) if k != axis]
                    boxes.append([int(l), (lo[a] + hi[a]) / 2, (lo[b] + hi[b]) / 2, int(hi[a] - lo[a] + 1), int(hi[b] - lo[b] + 1)])
                else:
                    boxes.append([int(l), (u.min() + u.max()) / 2, (v.min() + v.max()) / 2, int(u.max() - u.min() + 1), int(v.max() - v.min() + 1)])
            out.append({'plane': plane, 'index': int(i), 'image': img.astype(np.float32), 'boxes': np.array(boxes, np.float32).reshape(-1, 5)})
    return out


def cache_folder(case_id: str, spec: CropSpec, cache: str | None = CACHE) -> str | None:
    d = asdict(spec)
    if d['det_box'] == 'section':   # the first cached specs had no such field: keep their keys
        del d['det_box']
    key = f"{case_id}-{hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:8]}"
    return os.path.join(cache, key) if cache else None


def cached(case_id: str, spec: CropSpec, cache: str | None = CACHE) -> dict | None:
    """The cached samples of a case, or None (then the case must be made and `extract`ed)."""
    folder = cache_folder(case_id, spec, cache)
    return load(folder) if folder and os.path.exists(os.path.join(folder, 'meta.json')) else None


def extract(case_id: str, ct_img: nib.Nifti1Image | None, mask_img: nib.Nifti1Image, centroids: dict[int, np.ndarray],
            spec: CropSpec = CropSpec(), cache: str | None = CACHE) -> dict:
    """All stage samples of one case (CT may be absent: identifier samples only). Cached by case
    id and spec; a second call reads the .npy files back."""
    folder = cache_folder(case_id, spec, cache)
    if folder and os.path.exists(os.path.join(folder, 'meta.json')):
        return load(folder)
    lab, aff = to_canonical(mask_img, spec.spacing, 0)
    ct = to_canonical(ct_img, spec.spacing, 1)[0] if ct_img is not None else None
    res: dict = {'id': case_id, 'spacing': spec.spacing, 'affine': aff.tolist(), 'levels': [], 'det': [], 'seg_ct': [], 'seg_mask': [], 'id_mask': [], 'id_context': []}
    for l, w in sorted(centroids.items()):
        if not (lab == l).any():
            continue
        # The centre stage 1 finds is the vertebra's box centre, not its body centre: cubes are cut
        # around the bounding box of the label (whole vertebra, processes included).
        v = bbox_centre(lab == l) if spec.centre == 'bbox' else world_to_voxel(aff, w)
        res['levels'].append(int(l))
        res['id_mask'].append(_cube((lab == l).astype(np.uint8), v, spec.id_size, 0))
        # The other vertebrae in the same cube: the identifier's optional context channel (neighbours' shapes).
        res['id_context'].append(_cube(((lab != 0) & (lab != l)).astype(np.uint8), v, spec.id_size, 0))
        if ct is not None:
            size = spec.seg_size + 2 * spec.seg_margin
            res['seg_ct'].append(_cube(ct, v, size, AIR))
            res['seg_mask'].append(_cube((lab == l).astype(np.uint8), v, size, 0))
    if ct is not None and spec.slices > 0:
        res['det'] = detector_samples(ct, lab, spec)
    if folder:
        save(folder, res)
    return res


def save(folder: str, res: dict) -> None:
    os.makedirs(folder, exist_ok=True)
    for name in ('seg_ct', 'seg_mask', 'id_mask', 'id_context'):
        if res.get(name):
            np.save(os.path.join(folder, f'{name}.npy'), np.stack(res[name]))
    for i, d in enumerate(res['det']):
        np.save(os.path.join(folder, f'det_{i:03d}_image.npy'), d['image'])
        np.save(os.path.join(folder, f'det_{i:03d}_boxes.npy'), d['boxes'])
    meta = {k: res[k] for k in ('id', 'spacing', 'affine', 'levels')}
    meta['det'] = [{'plane': d['plane'], 'index': d['index']} for d in res['det']]
    with open(os.path.join(folder, 'meta.json'), 'w') as f:
        json.dump(meta, f)


def load(folder: str) -> dict:
    with open(os.path.join(folder, 'meta.json')) as f:
        meta = json.load(f)
    res = {**meta, 'seg_ct': [], 'seg_mask': [], 'id_mask': [], 'id_context': []}
    for name in ('seg_ct', 'seg_mask', 'id_mask', 'id_context'):
        p = os.path.join(folder, f'{name}.npy')
        if os.path.exists(p):
            res[name] = list(np.load(p))
    res['det'] = [{**d, 'image': np.load(os.path.join(folder, f'det_{i:03d}_image.npy')), 'boxes': np.load(os.path.join(folder, f'det_{i:03d}_boxes.npy'))}
                  for i, d in enumerate(meta['det'])]
    return res
