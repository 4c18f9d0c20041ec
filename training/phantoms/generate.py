"""Writes phantom cases into a VerSe-style folder, the app's sample scan, or the contact sheet.

  python3 -m training.phantoms.generate --out DIR --n 100 [--seed 0] [--workers 2] [--png]
  python3 -m training.phantoms.generate --from-masks DIR --per-mask 4 [--seed 0]
  python3 -m training.phantoms.generate --sample public/samples/sample-spine.nii.gz
  python3 -m training.phantoms.generate --contact-sheet training/contact-sheet.png
"""
from __future__ import annotations

import argparse
import json
import os
import time
from multiprocessing import Pool

import nibabel as nib

from .case import Case, Options, make_case
from .png import around_bone, sheet, views, write_png

SAMPLE_SEED = 20261127
REAL = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data', 'real')


def save_case(out: str, sub: str, case: Case, png: bool = False) -> dict:
    """`<sub>_ct.nii.gz`, `<sub>_seg-vert_msk.nii.gz`, `<sub>_ctd.json` (+ views); its manifest entry."""
    nib.save(case.ct, os.path.join(out, f'{sub}_ct.nii.gz'))
    nib.save(case.mask, os.path.join(out, f'{sub}_seg-vert_msk.nii.gz'))
    with open(os.path.join(out, f'{sub}_ctd.json'), 'w') as f:
        json.dump(case.ctd, f)
    if png:
        for name, im in zip(('sag', 'cor', 'ax'), views(case.ct)):
            write_png(os.path.join(out, f'{sub}_{name}.png'), im)
    return {'id': sub, **case.params}


def write_case(out: str, seed: int, index: int, png: bool = False, opt: Options | None = None) -> dict:
    return save_case(out, f'sub-{index:03d}', make_case(seed, opt), png)


def _job(args: tuple) -> dict:
    return write_case(*args)


def write_set(out: str, n: int, seed: int, workers: int = 2, png: bool = False) -> list[dict]:
    """N cases with seeds seed, seed+1, …; a manifest.json lists every case's parameters."""
    os.makedirs(out, exist_ok=True)
    jobs = [(out, seed + i, i, png) for i in range(n)]
    t0 = time.time()
    if workers > 1:
        with Pool(workers) as pool:
            cases = pool.map(_job, jobs)
    else:
        cases = [_job(j) for j in jobs]
    manifest = {'generator': 'training/phantoms', 'seed': seed, 'n': n, 'seconds': round(time.time() - t0, 1), 'cases': cases}
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
    return cases


def _mask_job(args: tuple) -> dict:
    out, real, seed, k = args
    from .from_mask import make_from_mask
    return save_case(out, f'sub-m{real.subject.replace("sub-", "")}x{k:02d}', make_from_mask(real, seed))


def write_from_masks(out: str, per_mask: int, seed: int, workers: int = 2) -> list[dict]:
    """`per_mask` mask-driven phantoms from every real mask in ../shared/data/real; each case
    records its source subject, whose side of the split it inherits."""
    from ..data.verse import real_cases
    os.makedirs(out, exist_ok=True)
    jobs = [(out, c, seed + 1000 * i + k, k) for i, c in enumerate(real_cases()) for k in range(per_mask)]
    with Pool(workers) as pool:
        cases = pool.map(_mask_job, jobs)
    with open(os.path.join(out, 'manifest.json'), 'w') as f:
        json.dump({'generator': 'training/phantoms/from_mask', 'seed': seed, 'cases': cases}, f, indent=1)
    return cases


def sample_options() -> Options:
    """The app's sample: full spine, C1 to sacrum, a mild curve and one compression fracture."""
    return Options(fov='full', spacing=(1.7, 1.7, 3.0), orientation="LPS", fractures=1, metal=False, tight_crop=False, noise_hu=6.0, fov_half_mm=130.0)


def write_sample(path: str) -> dict:
    """The sample CT, and beside it its ground truth (VerSe mask and centroid JSON) for the tests."""
    case = make_case(SAMPLE_SEED, sample_options())
    case.ct.header['descrip'] = b'SpineCLUE sample phantom (generated)'
    nib.save(case.ct, path)
    stem = path.replace('.nii.gz', '')
    nib.save(case.mask, f'{stem}_seg-vert_msk.nii.gz')
    with open(f'{stem}_ctd.json', 'w') as f:
        json.dump(case.ctd, f)
    return case.params


def contact_sheet(path: str, n: int = 12, seed: int = 1000) -> None:
    """Mid-sagittal views of n phantoms, then two real CTs from ../shared for comparison."""
    tiles = [around_bone(views(make_case(seed + i).ct, 300)[0], 200) for i in range(n)]
    for rel in ('verse/sub-verse008_ct.nii.gz', 'totalsegmentator/example_ct.nii.gz'):
        p = os.path.join(REAL, rel)
        if os.path.exists(p):
            tiles.append(around_bone(views(nib.load(p), 300)[0], 200))
    write_png(path, sheet(tiles, 7))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out')
    ap.add_argument('--n', type=int, default=100)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--png', action='store_true', help='write mid-sagittal/coronal/axial PNGs per case')
    ap.add_argument('--sample', help='write the app sample scan to this path')
    ap.add_argument('--contact-sheet', help='write a contact sheet PNG to this path')
    ap.add_argument('--from-masks', help='write mask-driven phantoms from the real masks into this folder')
    ap.add_argument('--per-mask', type=int, default=4)
    a = ap.parse_args()
    if a.sample:
        print(json.dumps(write_sample(a.sample)))
    if a.contact_sheet:
        contact_sheet(a.contact_sheet)
    if a.from_masks:
        write_from_masks(a.from_masks, a.per_mask, a.seed, a.workers)
    if a.out:
        t0 = time.time()
        write_set(a.out, a.n, a.seed, a.workers, a.png)
        print(f'wrote {a.n} cases to {a.out} in {time.time() - t0:.0f} s')


if __name__ == '__main__':
    main()
