"""Real-data loaders, canonical resampling, stage crops with their cache, and the split."""
import numpy as np
import pytest
from scipy import ndimage

from training.data.crops import CropSpec, extract
from training.data.resample import to_canonical, world_to_voxel
from training.data.split import SPLIT, phantom_split, real_split, val_phantom_seeds
from training.data.verse import body_centres, real_cases
from training.phantoms.case import Options, make_case


@pytest.fixture(scope='module')
def real():
    return real_cases()


def test_every_real_case_is_found_with_its_parts(real):
    by = {c.id: c for c in real}
    assert set(by) == {'sub-verse006', 'sub-verse008', 'sub-gl003_dir-ax', 'sub-gl017', 'sub-verse004', 'sub-verse009', 'sub-verse010', 'sub-ct_label-22', 'totalseg-example'}
    assert by['sub-verse008'].ct_path and by['sub-ct_label-22'].ct_path and by['totalseg-example'].ct_path
    assert by['sub-gl003_dir-ax'].ctd_path and not by['sub-verse009'].ctd_path
    # TotalSegmentator v2 numbering becomes VerSe ids.
    assert sorted(by['totalseg-example'].centroids) == [18, 19, 20, 21, 22, 23, 24]
    # Together they hold a real mask of every level C1–L5.
    assert set().union(*[c.centroids for c in real]) >= set(range(1, 25))


def test_centroids_lie_in_their_vertebra(real):
    for c in real:
        lab = np.asanyarray(c.mask().dataobj)
        inv = np.linalg.inv(c.mask().affine)
        for l, w in c.centroids.items():
            v = tuple(np.rint(inv[:3, :3] @ w + inv[:3, 3]).astype(int))
            assert lab[v] == (2 if l == 1 else l) or l == 1, (c.id, l)


def test_body_centre_estimate_is_close_to_annotated_centres(real):
    dists = []
    for c in real:
        if c.ctd_path:
            est = body_centres(c.mask())
            dists += [np.linalg.norm(est[l] - w) for l, w in c.centroids.items() if l in est]
    assert len(dists) > 30
    assert np.median(dists) < 4.0 and max(dists) < 10.0


def test_canonical_resampling_keeps_world_positions(real):
    case = next(c for c in real if c.id == 'sub-verse008')
    m = case.mask()
    lab, aff = to_canonical(m, 1.0, 0)
    assert np.allclose(np.diag(aff)[:3], 1.0, atol=1e-3)   # RAS, 1 mm
    for l, w in case.centroids.items():
        v = np.rint(world_to_voxel(aff, w)).astype(int)
        assert lab[tuple(v)] == l
    src = np.asanyarray(m.dataobj)
    ratio = np.prod(m.header.get_zooms()[:3]) / 1.0
    for l in (19, 22, 24):
        assert (lab == l).sum() == pytest.approx((src == l).sum() * ratio, rel=0.05)


def test_stage_crops_and_their_cache(tmp_path):
    case = make_case(5, Options(fov='lumbar', tight_crop=True, max_voxels=2_000_000, orientation='PIR'))
    cents = {c['label']: case.mask.affine[:3, :3] @ [c['X'], c['Y'], c['Z']] + case.mask.affine[:3, 3] for c in case.ctd[1:]}
    spec = CropSpec(slices=8, seg_size=32, seg_margin=4, id_size=32)
    res = extract('phantom-5', case.ct, case.mask, cents, spec, cache=str(tmp_path))
    assert res['levels'] == sorted(cents)
    def box_centre(m):
        idx = np.argwhere(m)
        return (idx.min(0) + idx.max(0)) / 2
    for m, l in zip(res['id_mask'], res['levels']):
        # Centred on the vertebra's bounding box (where stage 1 puts it), which may lie in the canal.
        assert m.shape == (32, 32, 32) and m.any(), l
        assert np.abs(box_centre(m) - 16).max() <= 1 or m[[0, -1]].any() or m[:, [0, -1]].any() or m[:, :, [0, -1]].any(), l
    for ct, m in zip(res['seg_ct'], res['seg_mask']):
        # The cube is centred on its vertebra, which is denser than what surrounds it.
        assert ct.shape == (40, 40, 40) and (np.abs(box_centre(m) - 20).max() <= 1 or m[[0, -1]].any() or m[:, [0, -1]].any() or m[:, :, [0, -1]].any())
        # The mask sits on bone: denser than the tissue well away from it (air padding aside).
        away = ~ndimage.binary_dilation(m > 0, iterations=6) & (ct > -500)
        assert ct[m > 0].mean() > np.median(ct[away]) + 50
    assert len(res['det']) == 16 and sum(len(d['boxes']) for d in res['det']) > 20
    for d in res['det']:
        assert set(d['boxes'][:, 0].astype(int)) <= set(res['levels'])
    again = extract('phantom-5', case.ct, case.mask, cents, spec, cache=str(tmp_path))
    assert again['levels'] == res['levels']
    assert all(np.array_equal(a, b) for a, b in zip(again['seg_mask'], res['seg_mask']))
    assert all(np.array_equal(a, b) for a, b in zip(again['id_context'], res['id_context']))
    # The context cube holds the other vertebrae (the neighbours above and below), never the centred one.
    for m, c in zip(res['id_mask'], res['id_context']):
        assert c.shape == m.shape and c.any() and not (c & m).any()
    assert all(np.array_equal(a['boxes'], b['boxes']) for a, b in zip(again['det'], res['det']))


def test_split_is_by_patient_and_fixed():
    train, val = set(SPLIT['real']['train']), set(SPLIT['real']['val'])
    assert not train & val
    assert {c.subject for c in real_cases()} == train | val
    assert real_split('sub-verse008') == 'val' and real_split('sub-verse004') == 'train'
    assert len(val_phantom_seeds()) == 30 and phantom_split(3) == 'train' and phantom_split(100005) == 'val'
    with pytest.raises(KeyError):
        real_split('sub-unknown')


def test_whole_vertebra_boxes_are_the_same_on_every_cut():
    from training.data.crops import CropSpec, detector_samples
    lab = np.zeros((40, 40, 60), np.uint8)
    lab[10:30, 12:20, 10:25] = 5        # body
    lab[18:22, 20:34, 12:22] = 5        # a process sticking out posteriorly-anteriorly (y)
    lab[10:30, 12:24, 30:45] = 6
    ct = np.where(lab > 0, 700.0, -100.0).astype(np.float32)
    whole = detector_samples(ct, lab, CropSpec(slices=8, min_box_px=4, det_box='whole'))
    sag = [b for d in whole if d['plane'] == 'sagittal' for b in d['boxes'] if b[0] == 5]
    assert len(sag) > 3 and all(np.array_equal(b, sag[0]) for b in sag)
    # y 12..33 → centre 22.5, 22 long; z 10..24 → centre 17, 15 long
    assert tuple(sag[0][1:]) == (22.5, 17.0, 22, 15)
    section = detector_samples(ct, lab, CropSpec(slices=8, min_box_px=4))
    cut = [b for d in section if d['plane'] == 'sagittal' and d['index'] < 15 for b in d['boxes'] if b[0] == 5]
    assert cut and cut[0][3] == 8   # a lateral cut misses the process: its own bounds are shorter
