"""The training losses, targets and shipping helpers: properties that would break if they did."""
import os

import numpy as np
import pytest
import torch

from training.fusion import OFFSETS, fuse, shift_phi
from training.ship import gflops, mulberry32
from training.train_detector import crop, decode, gaussian_sigma, hard_batch, targets
from training.train_identifier import augment, head_batch, head_loss, mc_predict, outputs_of, supcon
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


def test_detector_targets_peak_at_body_centres_and_decode_back_to_box_centres():
    # rows: level, body u, body v, box size u, v, box centre − body u, v
    boxes = np.array([[20, 41.0, 62.0, 30, 20, -8, -6], [21, 90.0, 60.0, 30, 24, 3, 0]], np.float32)
    heat, size, off, shift, reg = targets(boxes, 32, 32)
    assert heat.max() == 1 and reg.sum() == 2
    assert heat[10, 15] == 1 and tuple(size[:, 10, 15]) == (30, 20) and tuple(shift[:, 10, 15]) == (-8, -6)
    got = decode(heat, size, off, shift)
    assert len(got) == 2
    got = got[np.argsort(got[:, 0])]
    np.testing.assert_allclose(got[:, 0], [41, 90], atol=1e-5)
    np.testing.assert_allclose(got[:, 5:7], [[33, 56], [93, 60]], atol=1e-5)
    assert gaussian_sigma(8, 8) == 0.6 and gaussian_sigma(48, 60) == 2


def test_boxes_are_retargeted_on_the_vertebral_body():
    from training.train_detector import on_bodies
    m = np.zeros((48, 48, 48), np.uint8)
    m[20:30, 10:40, 14:34] = 1        # y runs posterior → anterior: the body is the anterior 40 %
    box = np.array([24.5, 24.5, 23.5])  # the mask's box centre, canonical voxels: the cube sits on its rounding
    det = {'det': [{'plane': 'sagittal', 'boxes': np.array([[5, box[1], box[2], 30, 20]], np.float32)},
                   {'plane': 'coronal', 'boxes': np.array([[5, box[0], box[2], 10, 20]], np.float32)}]}
    out = on_bodies(det, {'levels': [5], 'id_mask': [m]})
    body = np.rint(box) - 24 + np.array([24.5, 33.5, 23.5])   # y: the anterior slab 28–39 of 10–39
    np.testing.assert_allclose(out[0]['boxes'][0], [5, body[1], body[2], 30, 20, box[1] - body[1], box[2] - body[2]], atol=1e-4)
    np.testing.assert_allclose(out[1]['boxes'][0][[1, 2, 5, 6]], [body[0], body[2], box[0] - body[0], box[2] - body[2]], atol=1e-4)


def test_skull_negatives_have_a_bone_shell_and_no_target():
    from training.train_detector import CROP, make_batch, skull_slice
    rng = np.random.default_rng(0)
    d = skull_slice(rng)
    assert d['image'].shape == (CROP, CROP) and d['boxes'].shape == (0, 7)
    assert (d['image'] > 600).any() and (d['image'] < -800).any()   # bone and air
    # Some of a training batch are negatives: their heatmaps are empty; validation never gets one.
    data = [{'image': np.zeros((CROP, CROP), np.float32), 'plane': 'sagittal',
             'boxes': np.array([[20, 64, 64, 20, 20, 0, 0]], np.float32)}]
    x, h, *_ = make_batch(data, [0] * 200, np.random.default_rng(1))
    empty = int((h.amax(dim=(1, 2, 3)) < 1).sum())
    assert 2 <= empty <= 25
    _, h, *_ = make_batch(data, [0] * 200, np.random.default_rng(1), train=False)
    assert (h.amax(dim=(1, 2, 3)) == 1).all()


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


def test_a_field_of_view_cut_clips_the_slice_and_its_boxes():
    from training.train_detector import fov_cut
    img = np.ones((64, 96), np.float32)
    # level, body u, v, size u, v, box centre − body u, v: one vertebra at v 40–60 (body at 48), one at 70–90.
    # A third, far off (v 6–26), has its body near its box's top, as thoracic bodies sit in their whole
    # vertebra's box: a cut elsewhere must leave its row as it was.
    boxes = np.array([[20, 30, 48, 20, 20, 0, 2], [21, 30, 80, 20, 20, 0, 0], [19, 30, 8, 20, 20, 0, 8]], np.float32)
    for seed in range(40):
        out, got = fov_cut(img, boxes, np.random.default_rng(seed), 0.0)
        gone = out[0] == 0
        assert gone.any() and not gone.all() and (out[:, gone] == 0).all()
        assert len(got) >= 1
        for b in got:
            if b[4] == 20:   # not cut
                assert any(np.array_equal(b, o) for o in boxes)
                continue
            lo, hi = b[2] + b[6] - b[4] / 2, b[2] + b[6] + b[4] / 2
            v = np.arange(96)
            # what a box keeps lies inside the scan, and its body target inside the box
            assert not gone[(v >= np.ceil(lo)) & (v <= np.floor(hi))].any()
            assert lo <= b[2] <= hi and 3 - 1e-4 <= b[4] <= 20


def test_segmenter_cubes_put_the_heatmap_on_their_vertebra_also_when_mirrored_or_cut():
    from training.data.dataset import SPEC
    from training.train_segmenter import batch
    n = SPEC.seg_size + 2 * SPEC.seg_margin
    ct = np.full((1, n, n, n), 0.0, np.float32)
    mk = np.zeros((1, n, n, n), np.uint8)
    mk[0, 20:40, 16:44, 18:42] = 1   # box centre 29.5, 29.5, 29.5: the middle of the stored cube
    ct[mk.astype(bool)] = 1000
    rng = np.random.default_rng(0)
    for cut_share in (0.0, 1.0):
        x, y = batch(ct, mk, np.zeros(60, int), rng, train=True, cut_share=cut_share)
        for xi, yi in zip(x.numpy(), y.numpy()):
            peak = np.array(np.unravel_index(xi[1].argmax(), xi[1].shape))
            idx = np.argwhere(yi[0])
            centre = (idx.min(0) + idx.max(0)) / 2
            assert np.abs(peak - centre).max() <= 9   # centre jitter is 2 voxels (sd)
            # (z, y, x): a cut vertebra is shorter along z, and whole z-planes beyond the scan are air
            air_planes = (xi[0] < 0.1).all(axis=(1, 2)).any()
            assert (idx[:, 0].max() - idx[:, 0].min() + 1 < 24) == bool(cut_share) == air_planes


def test_head_batches_draw_the_asked_share_of_real_sequences_and_keep_the_old_draw_at_zero():
    scans = [{'kind': 'phantom'}] * 90 + [{'kind': 'real'}] * 5 + [{'kind': 'masked'}] * 5
    picks = np.concatenate([head_batch(scans, np.random.default_rng(k), 16, 0.3) for k in range(200)])
    assert abs((picks >= 90).mean() - 0.3) < 0.03      # uniform draws would give 0.1
    old = np.random.default_rng(7).integers(0, len(scans), 16)
    assert (head_batch(scans, np.random.default_rng(7), 16, 0) == old).all()


def test_detector_batches_draw_the_asked_share_of_hard_slices_and_keep_the_old_draw_at_zero():
    hard_idx = np.arange(90, 100)   # 10 of 100 slices hold a hard level
    draws = [hard_batch(100, hard_idx, np.random.default_rng(k), 8, 0.4) for k in range(400)]
    idx = np.concatenate([i for i, _ in draws])
    focused = np.concatenate([f for _, f in draws])
    assert abs(focused.mean() - 0.4) < 0.03
    assert (idx[focused] >= 90).all()
    assert abs((idx >= 90).mean() - (0.4 + 0.6 * 0.1)) < 0.03
    old = np.random.default_rng(7).integers(0, 100, 8)
    idx0, f0 = hard_batch(100, hard_idx, np.random.default_rng(7), 8, 0)
    assert (idx0 == old).all() and not f0.any()


def test_a_focused_crop_holds_a_box_of_the_hard_level():
    # A tall slice with boxes of levels 1 (top) and 20 (far below): focused crops keep level 1 in view.
    boxes = np.array([[1, 20, 64, 10, 10, 0, 0], [20, 380, 64, 10, 10, 0, 0]], np.float32)
    d = {'image': np.zeros((400, 128), np.float32), 'boxes': boxes, 'plane': 'sagittal'}
    held = []
    for k in range(100):
        _, b = crop(d, np.random.default_rng(k), False, frozenset({1}))
        held.append(0 <= b[0, 1] < 128)
    assert np.mean(held) > 0.85     # 90 % of crops are placed on a box; without focus about half would pick level 20


def test_mirror_averaged_outputs_are_the_mean_of_both_mc_predictions():
    from training.models.identifier import Head
    torch.manual_seed(0)
    head = Head().eval()
    e, m = torch.randn(1, 5, 128), torch.randn(1, 5, 128)
    scans = [{'levels': np.arange(5)}]
    (p0, h0, _), = outputs_of(head, [e], scans)
    (pm, hm, y), = outputs_of(head, [e], scans, mirrored=[m])
    assert torch.allclose(pm, (p0 + mc_predict(head, m[0], 0)[0]) / 2)
    assert torch.allclose(hm, -(pm * pm.log()).sum(1))
    (ps, _, _), = outputs_of(head, [e], scans, mirrored=[e])   # its own mirror: the same output
    assert torch.allclose(ps, p0) and (y == np.arange(5)).all()


def test_an_ensemble_averages_each_scans_probabilities_and_refuses_misaligned_runs():
    from training.ensemble import averaged
    torch.manual_seed(0)
    runs = [[(torch.rand(4, 24).softmax(1), None, np.arange(4)), (torch.rand(2, 24).softmax(1), None, np.arange(5, 7))] for _ in range(3)]
    out = averaged(*runs)
    assert len(out) == 2 and (out[1][2] == np.arange(5, 7)).all()
    assert torch.allclose(out[0][0], (runs[0][0][0] + runs[1][0][0] + runs[2][0][0]) / 3)
    assert torch.allclose(out[0][1], -(out[0][0] * out[0][0].log()).sum(1))
    assert torch.allclose(averaged(runs[0])[1][0], runs[0][1][0])   # one run: itself
    shifted = [runs[0][0], (runs[0][1][0], None, np.arange(6, 8))]
    with pytest.raises(ValueError):
        averaged(runs[0], shifted)


def test_averaged_heads_are_single_heads_of_their_own_seeds():
    """--heads K trains K heads apart (seeds s, s + 1000, …), the first the very head one would train alone."""
    from training.train_identifier import train_head
    torch.manual_seed(0)
    emb = [torch.randn(2, 4, 128) for _ in range(6)]
    scans = [{'kind': 'phantom', 'levels': np.arange(k, k + 4)} for k in range(6)]
    one, two = train_head(emb, scans, 20, 5), train_head(emb, scans, 20, 5, heads=2)
    assert all(torch.equal(a, b) for a, b in zip(one.state_dict().values(), two.heads[0].state_dict().values()))
    assert not torch.equal(two.heads[0].fc1.weight, two.heads[1].fc1.weight)
    assert torch.equal(train_head(emb, scans, 20, 1005).fc1.weight, two.heads[1].fc1.weight)


def _run_folder(path, seed: int, mirror: bool, heads: int = 1, channels: int = 1) -> None:
    """A tiny identifier run as train_identifier leaves it: weights, saved outputs, metrics."""
    import json
    from training.models.identifier import Encoder, Head, Heads
    torch.manual_seed(seed)
    path.mkdir()
    head = Heads([Head() for _ in range(heads)]) if heads > 1 else Head()
    torch.save({'encoder': Encoder(channels=channels).state_dict(), 'head': head.state_dict()}, path / 'identifier.pt')
    scan = lambda levels: (torch.rand(len(levels), 24).softmax(1), None, np.array(levels))
    out = {'phi_data': [scan([3, 4, 5, 6]), scan([10, 11, 12])], 'val_phantoms': [scan([8, 9, 10])], 'real_loso': [scan([20, 21])],
           'ablation_head_val': [scan([8, 9, 10])]}
    torch.save(out, path / 'outputs.pt')
    row = {'top1': 0.5}
    metrics = {'seed': seed, 'mirror': mirror, 'heads': heads, 'context': channels == 2, 'seconds': 60, 'val_phantoms': {'fusion_learned': row},
               'real_loso': {'subjects': ['a'], 'fusion_learned': row}, 'ablation_val_phantoms': {'raw CT crop': row, 'mask input': row}}
    (path / 'metrics.json').write_text(json.dumps(metrics))


def test_an_ensemble_of_runs_is_one_model_whose_probability_is_the_members_mean(tmp_path):
    import json
    from training.ensemble import averaged, build_ensemble
    from training.models.identifier import MemberHeads, Members, encoder_of, head_of
    _run_folder(tmp_path / 'a', 0, True, heads=2)
    _run_folder(tmp_path / 'b', 1, True)
    m = build_ensemble([str(tmp_path / 'a'), str(tmp_path / 'b')], str(tmp_path / 'ens'))
    state = torch.load(tmp_path / 'ens' / 'identifier.pt')
    enc, head = encoder_of(state['encoder']), head_of(state['head'])
    enc.load_state_dict(state['encoder'])
    head.load_state_dict(state['head'])
    assert isinstance(enc, Members) and isinstance(head, MemberHeads) and len(head.members[0].heads) == 2
    mask = (torch.rand(2, 1, 48, 48, 48) > 0.7).float()
    with torch.no_grad():
        e = enc.eval()(mask)
        drop = (torch.rand(e.shape) > 0.25).float() / 0.75
        p = head.eval()(e, drop).softmax(1)
        members = []
        for k, name in enumerate('ab'):
            s = torch.load(tmp_path / name / 'identifier.pt')
            me, mh = encoder_of(s['encoder']), head_of(s['head'])
            me.load_state_dict(s['encoder'])
            mh.load_state_dict(s['head'])
            members.append(mh.eval()(me.eval()(mask), drop[:, k * 128:(k + 1) * 128]).softmax(1))
    assert e.shape == (2, 256) and torch.allclose(p, (members[0] + members[1]) / 2, atol=1e-5)
    # Scores are those of the averaged saved outputs; each member's own figures are kept.
    out = torch.load(tmp_path / 'ens' / 'outputs.pt')
    runs = [torch.load(tmp_path / n / 'outputs.pt') for n in 'ab']
    assert torch.allclose(out['real_loso'][0][0], averaged(runs[0]['real_loso'], runs[1]['real_loso'])[0][0])
    assert m['real_loso']['no_fusion']['n'] == 2 and m['real_loso']['subjects'] == ['a']
    assert [x['seed'] for x in m['members']] == [0, 1] and m['mirror'] and m['seconds'] >= 120
    assert len(json.load(open(tmp_path / 'ens' / 'fusion.json'))['offsets']) == 6


def test_an_ensemble_mixes_runs_with_and_without_the_context_channel(tmp_path):
    """The app feeds one input to every member: the mask-only member reads mask + context with zero weight on the
    context, so it gives what it gave alone, and the ensemble is recorded as reading the context."""
    from training.ensemble import build_ensemble
    from training.models.identifier import encoder_channels, encoder_of
    _run_folder(tmp_path / 'a', 0, True, channels=2)
    _run_folder(tmp_path / 'b', 1, True)
    m = build_ensemble([str(tmp_path / 'a'), str(tmp_path / 'b')], str(tmp_path / 'ens'))
    enc_state = torch.load(tmp_path / 'ens' / 'identifier.pt')['encoder']
    enc = encoder_of(enc_state)
    enc.load_state_dict(enc_state)
    alone_state = torch.load(tmp_path / 'b' / 'identifier.pt')['encoder']
    alone = encoder_of(alone_state)
    alone.load_state_dict(alone_state)
    x = (torch.rand(2, 2, 48, 48, 48) > 0.7).float()
    with torch.no_grad():
        assert encoder_channels(enc) == 2 and torch.allclose(enc.eval()(x)[:, 128:], alone.eval()(x[:, :1]), atol=1e-6)
    assert m['context'] and [x['context'] for x in m['members']] == [True, False]


def test_an_ensemble_refuses_runs_that_disagree_on_mirror_averaging(tmp_path):
    from training.ensemble import build_ensemble
    _run_folder(tmp_path / 'a', 0, True)
    _run_folder(tmp_path / 'b', 1, False)
    with pytest.raises(ValueError, match='mirror'):
        build_ensemble([str(tmp_path / 'a'), str(tmp_path / 'b')], str(tmp_path / 'ens'))


def test_a_runs_kept_parts_are_reused_only_under_the_same_arguments(tmp_path):
    """A run split over sessions reuses its fine-tuned encoder and finished folds; a part made otherwise is refused."""
    from training.train_identifier import keep_part, kept_part, part
    path = part(str(tmp_path), 'fold-sub-x')
    assert kept_part(path, {'seed': 2}) is None
    keep_part(path, {'args': {'seed': 2}, 'outputs': [1, 2], 'seconds': 5})
    assert kept_part(path, {'seed': 2})['outputs'] == [1, 2] and not os.path.exists(path + '.tmp')
    with pytest.raises(ValueError, match='another --out'):
        kept_part(path, {'seed': 3})


def test_a_fold_part_stores_weights_that_give_back_the_scored_outputs_exactly(tmp_path):
    """A fold keeps its encoder and head as float16; the run scores the float16-rounded weights, so a later session
    loading the part recomputes the very outputs the run scored (the real subject's outputs are never stored)."""
    from training.models.identifier import Encoder, Head, Heads, encoder_of, head_of
    from training.train_identifier import float_state, half_rounded, half_state, keep_part, kept_part, part
    torch.manual_seed(0)
    enc, head = half_rounded(Encoder().eval()), half_rounded(Heads([Head(), Head()]).eval())
    x, drop = (torch.rand(3, 1, 48, 48, 48) > 0.7).float(), torch.ones(3, 128)
    want = head(enc(x), drop)
    path = part(str(tmp_path), 'fold-sub-x')
    keep_part(path, {'args': {}, 'encoder': half_state(enc), 'head': half_state(head), 'seconds': 1})
    p = kept_part(path, {})
    assert all(v.dtype != torch.float32 for v in p['encoder'].values())
    e2, h2 = encoder_of(p['encoder']), head_of(p['head'])
    e2.load_state_dict(float_state(p['encoder']))
    h2.load_state_dict(float_state(p['head']))
    assert torch.equal(h2.eval()(e2.eval()(x), drop), want)


def test_a_fine_tuning_cut_off_goes_on_from_its_snapshot_bit_for_bit(tmp_path):
    """A step-bounded fine-tuning keeps its whole state every few steps; a later call (a new session) goes on from it and
    ends with exactly the weights of a run never stopped, so a fold cut off by the session's end loses at most those steps."""
    from training.train_identifier import pretrain
    rng = np.random.default_rng(0)
    vert = (rng.random((8, 48, 48, 48)) > 0.6).astype(np.float32)
    levels = np.array([0, 1, 2, 3] * 2)
    extra = ((rng.random((4, 48, 48, 48)) > 0.6).astype(np.float32), np.array([0, 1, 2, 3]))
    kw = dict(minutes=0, seed=5, batch=4, extra=extra, lr=3e-4)
    whole, _ = pretrain(vert, levels, steps=5, **kw)
    snap = str(tmp_path / 'fold-sub-x.snapshot.pt')
    _, first = pretrain(vert, levels, steps=3, snapshot=snap, args={'run': 1}, every=2, **kw)
    assert first == 3 and torch.load(snap)['step'] == 3
    resumed, steps = pretrain(vert, levels, steps=5, snapshot=snap, args={'run': 1}, every=2, **kw)
    assert steps == 5
    assert all(torch.equal(a, b) for a, b in zip(whole.state_dict().values(), resumed.state_dict().values()))
    with pytest.raises(ValueError):
        pretrain(vert, levels, steps=5, snapshot=snap, args={'run': 2}, **kw)
