#!/usr/bin/env python3
"""A simple generated spine CT for the app's built-in sample, until the full phantom generator
(training/phantoms/) replaces it: body outline, fat, muscle, lungs, 24 box-shaped vertebrae
(cortical shell, cancellous core) with discs and a canal, on a mild curve, stored LPS int16 HU.
Usage: /usr/bin/python3 training/phantoms/simple_sample.py public/samples/sample-spine.nii.gz"""
import sys

import nibabel as nib
import numpy as np
from scipy import ndimage


def make(seed: int = 7) -> nib.Nifti1Image:
    rng = np.random.default_rng(seed)
    spacing = np.array([1.5, 1.5, 2.5])  # mm along x (L), y (P), z (S)
    nx, ny, nz = 128, 128, 240
    # World positions (RAS mm) of every voxel centre of an LPS grid.
    x = -(np.arange(nx) - nx / 2) * spacing[0]
    y = -(np.arange(ny) - ny / 2) * spacing[1]
    z = np.arange(nz) * spacing[2]
    X, Y, Z = np.meshgrid(x, y, z, indexing='ij')
    hu = np.full((nx, ny, nz), -1000.0)
    body = (X / 150) ** 2 + ((Y + 10) / 110) ** 2 <= 1
    hu[body] = -100  # fat
    muscle = (X / 135) ** 2 + ((Y + 10) / 95) ** 2 <= 1
    hu[muscle] = 45
    lungs = (((np.abs(X) - 60) / 45) ** 2 + ((Y - 10) / 60) ** 2 <= 1) & (Z > 300) & (Z < 540)
    hu[lungs] = -850
    # 24 vertebrae from L5 (bottom) to C1 (top); heights shrink cranially, with a mild lordosis.
    heights = np.concatenate([np.linspace(27, 22, 5), np.linspace(22, 17, 12), np.linspace(15, 13, 7)])
    z0 = 40.0
    for h in heights:
        zc = z0 + h / 2
        ap = -40 + 12 * np.sin((zc - 40) / 560 * np.pi * 2)  # body centre (A/P, mm)
        w = 25 + h  # width grows with height
        d = 0.8 * w
        inside = (np.abs(X) <= w / 2) & (np.abs(Y - ap) <= d / 2) & (np.abs(Z - zc) <= h / 2 - 2)
        core = (np.abs(X) <= w / 2 - 2.5) & (np.abs(Y - ap) <= d / 2 - 2.5) & (np.abs(Z - zc) <= h / 2 - 4.5)
        arch = ((X / (w / 2 + 6)) ** 2 + ((Y - ap + d / 2 + 12) / 14) ** 2 <= 1) & (np.abs(Z - zc) <= h / 2 - 3)
        canal = (X / 9) ** 2 + ((Y - ap + d / 2 + 10) / 8) ** 2 <= 1
        hu[(inside | arch) & ~canal] = 1300
        hu[core] = 220
        hu[canal & (np.abs(Z - zc) <= h / 2)] = 20
        disc = (np.abs(X) <= w / 2) & (np.abs(Y - ap) <= d / 2) & (np.abs(Z - (z0 + h)) <= 2)
        hu[disc] = 80
        z0 += h + 4
    hu = ndimage.gaussian_filter(hu, 0.7) + rng.normal(0, 12, hu.shape)
    affine = np.diag([-spacing[0], -spacing[1], spacing[2], 1.0])
    affine[:3, 3] = [x[0], y[0], z[0]]
    img = nib.Nifti1Image(np.clip(np.rint(hu), -1024, 3071).astype(np.int16), affine)
    img.header.set_xyzt_units('mm')
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=1)
    img.header['descrip'] = b'SpineCLUE simple sample (generated)'
    return img


if __name__ == '__main__':
    out = sys.argv[1] if len(sys.argv) > 1 else 'public/samples/sample-spine.nii.gz'
    nib.save(make(), out)
    print('wrote', out)
