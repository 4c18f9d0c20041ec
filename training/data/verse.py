"""One reader for VerSe-style folders, used by every training script: CT + vertebra mask +
centroid JSON, any orientation, voxel or mm centroids, VerSe or TotalSegmentator numbering."""
from __future__ import annotations

import glob
import json
import os
import re
from dataclasses import dataclass, field

import nibabel as nib
import numpy as np

REAL = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data', 'real'))


@dataclass
class Case:
    """A subject: its mask (VerSe ids), CT if there is one, and vertebra centres in world mm."""
    id: str
    subject: str
    mask_path: str
    ct_path: str | None = None
    ctd_path: str | None = None
    numbering: str = 'verse'   # or 'totalseg' (v2: 50 C1 … 27 L5)
    centroids: dict[int, np.ndarray] = field(default_factory=dict)

    def mask(self) -> nib.Nifti1Image:
        img = nib.load(self.mask_path)
        data = np.rint(np.asanyarray(img.dataobj)).astype(np.int16)
        if self.numbering == 'totalseg':
            data = np.where((data >= 27) & (data <= 50), 51 - data, 0)
        return nib.Nifti1Image(data.astype(np.uint8), img.affine, img.header)

    def ct(self) -> nib.Nifti1Image | None:
        return nib.load(self.ct_path) if self.ct_path else None


def read_ctd(path: str, ref: nib.Nifti1Image, units: str = 'voxel') -> dict[int, np.ndarray]:
    """VerSe centroid JSON → {label: world RAS mm}. 'voxel': X/Y/Z are indices along the listed
    `direction` axes of `ref`'s grid (reoriented if the codes differ); 'mm': world mm along them."""
    with open(path) as f:
        data = json.load(f)
    direction = ''.join(data[0]['direction'])
    axis = {'R': 0, 'L': 0, 'A': 1, 'P': 1, 'S': 2, 'I': 2}
    sign = {c: (1 if c in 'RAS' else -1) for c in 'RLAPSI'}
    img_codes = ''.join(nib.aff2axcodes(ref.affine))
    out = {}
    for e in data[1:]:
        v = np.array([e['X'], e['Y'], e['Z']], float)
        if units == 'mm':
            w = np.zeros(3)
            for i, c in enumerate(direction):
                w[axis[c]] = sign[c] * v[i]
            out[int(e['label'])] = w
            continue
        ijk = np.zeros(3)
        for i, c in enumerate(direction):
            a = next(t for t, ic in enumerate(img_codes) if axis[ic] == axis[c])
            ijk[a] = v[i] if sign[img_codes[a]] == sign[c] else ref.shape[a] - 1 - v[i]
        out[int(e['label'])] = ref.affine[:3, :3] @ ijk + ref.affine[:3, 3]
    return out


def body_of(idx: np.ndarray, level: int) -> np.ndarray:
    """The body centre of one vertebra's voxel indices (canonical, y posterior → anterior): the
    centre of mass of its anterior 40 %; for C1 (no body) of the whole ring."""
    idx = idx.astype(float)
    if level != 1:
        y = idx[:, 1]
        idx = idx[y >= y.max() - 0.4 * (y.max() - y.min())]
    return idx.mean(0)


def body_centres(mask: nib.Nifti1Image) -> dict[int, np.ndarray]:
    """Vertebral-body centre per label when no centroid file exists: the centre of mass of the
    anterior 40 % of the vertebra (the body; snapped into the vertebra if it falls outside), in
    world mm; for C1 (no body) the whole ring. Within 1–8 mm of the VerSe annotations here."""
    can = nib.as_closest_canonical(mask)
    lab = np.asanyarray(can.dataobj)
    out = {}
    for l in np.unique(lab):
        if l == 0:
            continue
        idx = np.argwhere(lab == l)
        c = body_of(idx, int(l))
        if l != 1 and lab[tuple(np.rint(c).astype(int))] != l:
            c = idx[np.argmin(((idx - c) ** 2).sum(1))].astype(float)   # cut or odd shape: nearest voxel of it
        out[int(l)] = can.affine[:3, :3] @ c + can.affine[:3, 3]
    return out


def find_cases(folder: str) -> list[Case]:
    """Every case of a VerSe-style folder: `<id>[_…]_seg-vert[_…]_msk.nii.gz` masks, with the CT
    `<id>[_…]_ct.nii.gz` and centroids `<id>[_…]_ctd.json` of the same id where present."""
    cases = []
    for m in sorted(glob.glob(os.path.join(folder, '*seg-vert*_msk.nii.gz'))):
        name = os.path.basename(m)
        cid = name.split('_seg-vert')[0]
        label = re.search(r'_label-(\d+)', name)
        sub = cid.split('_')[0]
        pattern = f'{sub}*label-{label.group(1)}_ct.nii.gz' if label else f'{cid}*_ct.nii.gz'
        ct = next(iter(sorted(glob.glob(os.path.join(folder, pattern)))), None)
        ctd = next(iter(sorted(glob.glob(os.path.join(folder, f'{cid}*ctd.json')))), None)
        cases.append(Case(id=cid if not label else f'{cid}_label-{label.group(1)}', subject=sub, mask_path=m, ct_path=ct, ctd_path=ctd))
    return cases


def real_cases(root: str = REAL) -> list[Case]:
    """All real cases in ../shared/data/real, with centroids in world mm."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f'real data not found at {root} (expected ../shared/data/real beside the project)')
    cases = []
    for sub in ('verse', 'verse-masks', 'tptbox'):
        cases += find_cases(os.path.join(root, sub))
    ts = os.path.join(root, 'totalsegmentator')
    cases.append(Case(id='totalseg-example', subject='totalseg-example', numbering='totalseg',
                      mask_path=os.path.join(ts, 'example_seg_fast_force_split.nii.gz'), ct_path=os.path.join(ts, 'example_ct.nii.gz')))
    for c in cases:
        m = c.mask()
        c.centroids = read_ctd(c.ctd_path, m) if c.ctd_path else body_centres(m)
    return cases
