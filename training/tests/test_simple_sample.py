"""The committed app sample is exactly what its documented command makes (deterministic)."""
import os
import sys

import nibabel as nib
import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
sys.path.insert(0, os.path.join(ROOT, 'training', 'phantoms'))

import simple_sample  # noqa: E402


def test_committed_sample_matches_generator():
    committed = nib.load(os.path.join(ROOT, 'public', 'samples', 'sample-spine.nii.gz'))
    made = simple_sample.make()
    assert ''.join(nib.aff2axcodes(committed.affine)) == 'LPS'
    assert np.allclose(committed.affine, made.affine)
    assert committed.get_data_dtype() == np.int16
    assert np.array_equal(np.asanyarray(committed.dataobj), np.asanyarray(made.dataobj))


def test_sample_is_a_ct_with_bone_and_air():
    data = np.asanyarray(simple_sample.make().dataobj)
    assert data.min() <= -1000 and data.max() >= 1000
    assert os.path.getsize(os.path.join(ROOT, 'public', 'samples', 'sample-spine.nii.gz')) <= 5 * 1024 * 1024
