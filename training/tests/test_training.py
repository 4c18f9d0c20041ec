"""The training losses, targets and shipping helpers: properties that would break if they did."""
import numpy as np
import torch

from training.fusion import OFFSETS, fuse, shift_phi
from training.ship import gflops, mulberry32
from training.train_detector import decode, gaussian_sigma, targets
from training.train_identifier import augment, head_loss, supcon
from training.models.detector import Detector


def test_mulberry32_matches_the_typescript_generator():
    # First three values of src/core/random.ts mulberry32(12345), printed by node.
    r = mulberry32(12345)
    assert [r(), r(), r()] == [0.9797282677609473, 0.3067522644996643, 0.484205421525985]


def test_supcon_is_lower_when_same_labels_cluster():
    y = torch.tensor([0, 0, 1, 1])
    good = torch.nn.functional.normalize(torch.tensor([[1.0, 0], [0.99, 0.1], [0, 1.0], [0.1, 0.99]]), dim=1)
    bad = good[[0, 2, 1, 3]]
    assert supcon(good, y) < supcon(bad, y)


def test_sequence_surrogate_is_zero_only_for_strictly_increasing_labels():
    y = torch.tensor([3, 4, 5])
    up = torch.full((3, 24), -20.0)
    up[[0, 1, 2], [3, 4, 5]] = 20
    _, parts = head_loss(up, y, [slice(0, 3)])
    assert parts['se'] < 1e-6 and parts['ce'] < 1e-6
    down = up.flip(0)
    _, parts = head_loss(down, y, [slice(0, 3)])
    assert parts['se'] > 1.5   # two steps down by one: relu(1 + 1) each
    same = torch.zeros(3, 24)   # a flat prediction has the same expected label everywhere: penalised
    _, parts = head_loss(same, y, [slice(0, 3)])
    assert abs(parts['se'] - 1) < 1e-5


def test_detector_targets_peak_at_box_centres_and_decode_back():
    boxes = np.array([[20, 41.0, 62.0, 30, 20], [21, 90.0, 60.0, 30, 24]], np.float32)
    heat, size, off, reg = targets(boxes, 32, 32)
    assert heat.max() == 1 and reg.sum() == 2
    assert heat[10, 15] == 1 and tuple(size[:, 10, 15]) == (30, 20)
    got = decode(heat, size, off)
    assert len(got) == 2
    np.testing.assert_allclose(sorted(got[:, 0]), [41, 90], atol=1e-5)
    assert gaussian_sigma(8, 8) == 0.6 and gaussian_sigma(48, 60) == 2


def test_mask_augmentation_keeps_a_binary_mask_of_similar_size():
    x = torch.zeros(2, 1, 24, 24, 24)
    x[:, :, 6:18, 8:16, 6:18] = 1
    y = augment(x, torch.Generator().manual_seed(0))
    assert set(y.unique().tolist()) <= {0.0, 1.0}
    assert 0.6 < y.sum() / x.sum() < 1.5


def test_fusion_with_shift_prior_pulls_a_lone_outlier_into_sequence():
    p = torch.full((5, 24), 0.01)
    for i, c in enumerate([3, 4, 9, 6, 7]):
        p[i, c] = 0.77
    p = p / p.sum(1, keepdim=True)
    h = -(p * p.log()).sum(1)
    phi = {d: shift_phi(d) for d in OFFSETS}
    assert fuse(p, h, phi, theta=0.5).argmax(1).tolist() == [3, 4, 5, 6, 7]
    assert torch.equal(fuse(p, h, phi, hops=0), p)


def test_gflops_counts_convolutions():
    assert 0.01 < gflops(Detector(), torch.zeros(1, 1, 128, 128)) < 5
