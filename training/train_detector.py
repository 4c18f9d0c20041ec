"""Trains the stage-1 detector (CenterNet-style, models/detector.py) on sagittal and coronal slices
of phantoms, mask-driven phantoms and the real training CTs; validates per slice on validation
phantoms and the real validation CTs; exports ONNX. Time-boxed so a run fits a session:

  /usr/bin/python3 -m training.train_detector --minutes 20 --out training/out/detector
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from .data import fov
from .data.crops import AIR
from .data.dataset import DET_SPEC, SPEC, WINDOW, build, real, real_subjects
from .data.split import val_phantom_seeds
from .data.verse import body_of
from .models.detector import STRIDE, Detector
from .models.export import export
from .recover import load_checkpoint, train_mode

CROP = 128            # training crop (pixels, U and V); inference runs on whole slices
PEAK_THRESHOLD = 0.3  # the manifest's decode threshold
TOPK = 40
NEGATIVE_SHARE = 0.05  # training crops that are a synthetic skull slice with no vertebra


def on_bodies(det: dict, ref: dict) -> list[dict]:
    """A case's detector slices with each box re-targeted on its vertebral body: rows become
    [level, body u, body v, box size u, box size v, box centre u − body u, box centre v − body v].
    Both samples share the canonical grid; `ref`'s mask cubes (SPEC) are centred on the rounded box
    centre, which the slices' boxes give exactly."""
    centre: dict[int, np.ndarray] = {}
    for d in det['det']:
        a, b = (1, 2) if d['plane'] == 'sagittal' else (0, 2)
        for l, cu, cv, *_ in d['boxes']:
            c = centre.setdefault(int(l), np.full(3, np.nan))
            c[a], c[b] = cu, cv
    half = SPEC.id_size // 2
    body = {l: np.rint(centre[l]) - half + body_of(np.argwhere(m), l)
            for l, m in zip(ref['levels'], ref['id_mask']) if l in centre and not np.isnan(centre[l]).any() and m.any()}
    out = []
    for d in det['det']:
        a, b = (1, 2) if d['plane'] == 'sagittal' else (0, 2)
        rows = []
        for l, cu, cv, su, sv in d['boxes']:
            bu, bv = (body[int(l)][a], body[int(l)][b]) if int(l) in body else (cu, cv)
            rows.append([l, bu, bv, su, sv, cu - bu, cv - bv])
        out.append({**d, 'boxes': np.array(rows, np.float32).reshape(-1, 7)})
    return out


def samples(seeds: list[int], masked: list = (), reals: list = ()) -> list[dict]:
    """Body-targeted detector slices of phantoms `seeds`, mask-driven phantoms and real cases."""
    det = build(seeds, masked, spec=DET_SPEC) + [real(c, DET_SPEC) for c in reals]
    ref = build(seeds, masked, spec=SPEC) + [real(c, SPEC) for c in reals]
    return [s for d, r in zip(det, ref) for s in on_bodies(d, r)]


def load_train(n_phantoms: int, masked_per_subject: int) -> list[dict]:
    train = real_subjects('train')
    return samples(list(range(n_phantoms)), [(c, 7000 + k) for c in train for k in range(masked_per_subject)], [c for c in train if c.ct_path])


def gaussian_sigma(su: float, sv: float) -> float:
    """Heatmap width (output cells) from the box size: a sixth of its smaller side, at least 0.6 cell."""
    return max(0.6, min(su, sv) / STRIDE / 6)


def targets(boxes: np.ndarray, hu: int, hv: int) -> tuple[np.ndarray, ...]:
    heat = np.zeros((hu, hv), np.float32)
    size = np.zeros((2, hu, hv), np.float32)
    off = np.zeros((2, hu, hv), np.float32)
    shift = np.zeros((2, hu, hv), np.float32)
    reg = np.zeros((hu, hv), np.float32)
    gu, gv = np.meshgrid(np.arange(hu), np.arange(hv), indexing='ij')
    for _, cu, cv, su, sv, du, dv in boxes:
        u, v = cu / STRIDE, cv / STRIDE
        iu, iv = int(u), int(v)
        if not (0 <= iu < hu and 0 <= iv < hv):
            continue
        s = gaussian_sigma(su, sv)
        heat = np.maximum(heat, np.exp(-((gu - iu) ** 2 + (gv - iv) ** 2) / (2 * s * s)))
        size[:, iu, iv] = (su, sv)
        off[:, iu, iv] = (u - iu, v - iv)
        shift[:, iu, iv] = (du, dv)
        reg[iu, iv] = 1
    return heat, size, off, shift, reg


def skull_slice(rng: np.random.Generator) -> dict:
    """A negative: a CROP² slice through a synthetic head (HU) with no box. An elliptic bone shell
    (4–12 mm thick, 120–200 mm across, rotated, often cut by the crop) around brain, sometimes with
    an inner bony arc (skull base), in air. Without these the body-centred detector took pieces of a
    head CT's skull for vertebral bodies."""
    gu, gv = np.meshgrid(np.arange(CROP, dtype=np.float32), np.arange(CROP, dtype=np.float32), indexing='ij')
    img = np.full((CROP, CROP), -1000.0, np.float32)
    cu, cv = rng.uniform(16, CROP - 16, 2)
    au, av = rng.uniform(30, 50, 2)
    t = rng.uniform(0, np.pi)
    du, dv = gu - cu, gv - cv
    r = np.hypot((du * np.cos(t) + dv * np.sin(t)) / au, (-du * np.sin(t) + dv * np.cos(t)) / av)
    thick = rng.uniform(2, 6) / min(au, av)
    img[r <= 1] = rng.uniform(20, 45)
    img[(r > 1 - thick) & (r <= 1)] = rng.uniform(700, 1600)
    if rng.random() < 0.4:   # an inner arc: a piece of skull base
        r0, w = rng.uniform(0.3, 0.8), rng.uniform(1.5, 4) / min(au, av)
        arc = (np.abs(r - r0) < w) & (np.cos(np.arctan2(dv, du) - rng.uniform(0, 2 * np.pi)) > rng.uniform(0.3, 0.9))
        img[arc] = rng.uniform(500, 1400)
    img += rng.normal(0, rng.uniform(5, 30), img.shape).astype(np.float32)
    return {'image': img, 'boxes': np.zeros((0, 7), np.float32), 'plane': 'sagittal'}


def normalise(img: np.ndarray) -> np.ndarray:
    return np.clip((img - WINDOW[0]) / (WINDOW[1] - WINDOW[0]), 0, 1).astype(np.float32)


def fov_cut(img: np.ndarray, boxes: np.ndarray, rng: np.random.Generator, fill: float) -> tuple[np.ndarray, np.ndarray]:
    """The slice cut as a scan's edge would cut it (data/fov.py), across a random one of its boxes
    whose centre is in the image: beyond the plane (image v is cranio-caudal) becomes `fill`; boxes
    are clipped to what stays, a box keeping less than fov.KEEP[0] of its height is dropped, and a
    clipped box's body target, if outside the middle half of its visible part, moves into it (the
    fragment's centre is what the ground truth of real scans marks). Boxes the plane misses keep their
    rows: a quarter of the bodies lie outside the middle half of their whole vertebra's box."""
    nu, nv = img.shape
    cv = boxes[:, 2] + boxes[:, 6]
    inside = np.nonzero((boxes[:, 1] >= 0) & (boxes[:, 1] < nu) & (cv >= 0) & (cv < nv))[0]
    if not len(inside):
        return img, boxes
    k = inside[rng.integers(len(inside))]
    plane, below = fov.cut_plane(cv[k] - boxes[k, 4] / 2, cv[k] + boxes[k, 4] / 2, rng)
    img = img.copy()
    img[:, fov.outside(nv, plane, below)] = fill
    rows = []
    for b, c in zip(boxes, cv):
        lo, hi = c - b[4] / 2, c + b[4] / 2
        lo, hi = (lo, min(hi, plane)) if below else (max(lo, plane), hi)
        if hi - lo < fov.KEEP[0] * b[4] - 1e-4:
            continue
        h = hi - lo
        if h >= b[4]:
            rows.append(b)
            continue
        body = float(np.clip(b[2], lo + h / 4, hi - h / 4))
        rows.append([b[0], b[1], body, b[3], h, b[5], (lo + hi) / 2 - body])
    return img, np.array(rows, np.float32).reshape(-1, 7)


def crop(d: dict, rng: np.random.Generator, train: bool, focus: frozenset[int] = frozenset()) -> tuple[np.ndarray, np.ndarray]:
    """A CROP² window of the slice (zero-padded), biased to hold boxes (one of the `focus` levels where
    the slice has one); boxes moved with it."""
    img = normalise(d['image'])
    boxes = d['boxes'].copy()
    nu, nv = img.shape
    if len(boxes) and rng.random() < 0.9:
        pool = [b for b in boxes if int(b[0]) in focus] or boxes
        b = pool[rng.integers(len(pool))]
        ou = int(b[1] - rng.integers(16, CROP - 16))
        ov = int(b[2] - rng.integers(16, CROP - 16))
    else:
        ou, ov = int(rng.integers(min(0, nu - CROP), max(1, nu - CROP + 1))), int(rng.integers(min(0, nv - CROP), max(1, nv - CROP + 1)))
    out = np.zeros((CROP, CROP), np.float32)
    su, sv = slice(max(ou, 0), min(ou + CROP, nu)), slice(max(ov, 0), min(ov + CROP, nv))
    if su.stop > su.start and sv.stop > sv.start:
        out[su.start - ou:su.stop - ou, sv.start - ov:sv.stop - ov] = img[su, sv]
    boxes[:, 1] -= ou
    boxes[:, 2] -= ov
    if train:
        out = np.clip(out * rng.uniform(0.85, 1.15) + rng.uniform(-0.05, 0.05) + rng.normal(0, rng.uniform(0, 0.03), out.shape), 0, 1)
        if d['plane'] == 'coronal' and rng.random() < 0.5:   # left–right mirror
            out = out[::-1]
            boxes[:, 1] = CROP - 1 - boxes[:, 1]
            boxes[:, 5] = -boxes[:, 5]
        if len(boxes) and rng.random() < fov.SHARE:   # after the intensity changes: outside a scan is exactly 0
            out, boxes = fov_cut(out, boxes, rng, 0.0)
    return out, boxes


def cut_slices(data: list[dict], seed: int = 0) -> list[dict]:
    """Validation slices, each with boxes cut once by fov_cut (HU: outside the scan is air)."""
    rng = np.random.default_rng(seed)
    out = []
    for d in data:
        if len(d['boxes']):
            img, boxes = fov_cut(d['image'], d['boxes'], rng, AIR)
            out.append({**d, 'image': img, 'boxes': boxes})
    return out


def hard_batch(n_slices: int, hard_idx: np.ndarray, rng: np.random.Generator, batch: int, share: float = 0) -> tuple[np.ndarray, np.ndarray]:
    """One batch's slice indices, and which of them are cropped around a hard level: a `share` drawn from
    the slices that hold one (`hard_idx`); share 0 draws every slice alike (as before the option, draw for draw)."""
    if not (share and len(hard_idx)):
        return rng.integers(0, n_slices, batch), np.zeros(batch, bool)
    hard = rng.random(batch) < share
    return np.where(hard, rng.choice(hard_idx, batch), rng.integers(0, n_slices, batch)), hard


def make_batch(data: list[dict], idx, rng, train=True, focused=None, focus: frozenset[int] = frozenset()):
    xs, hs, ss, os_, fs, rs = [], [], [], [], [], []
    for k, i in enumerate(idx):
        on = focus if focused is not None and focused[k] else frozenset()
        img, boxes = crop(skull_slice(rng) if train and rng.random() < NEGATIVE_SHARE else data[i], rng, train, on)
        h, s, o, f, r = targets(boxes, CROP // STRIDE, CROP // STRIDE)
        xs.append(img[None]); hs.append(h[None]); ss.append(s); os_.append(o); fs.append(f); rs.append(r[None])
    t = lambda a: torch.from_numpy(np.ascontiguousarray(np.stack(a), dtype=np.float32))
    return t(xs), t(hs), t(ss), t(os_), t(fs), t(rs)


def focal(pred: torch.Tensor, gt: torch.Tensor) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss, normalised by the number of objects."""
    pred = pred.clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).float()
    neg = 1 - pos
    pl = torch.log(pred) * (1 - pred) ** 2 * pos
    nl = torch.log(1 - pred) * pred ** 2 * (1 - gt) ** 4 * neg
    return -(pl.sum() + nl.sum()) / pos.sum().clamp(min=1)


def loss_fn(model, batch):
    x, h, s, o, f, r = batch
    ph, ps, po, pf = model(x)
    n = r.sum().clamp(min=1)
    return focal(ph, h) + 0.1 * ((ps - s).abs() * r).sum() / n + ((po - o).abs() * r).sum() / n + 0.1 * ((pf - f).abs() * r).sum() / n


def decode(heat: np.ndarray, size: np.ndarray, off: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Same rule as src/core/stages/decode.ts: 3 × 3 local maxima above the threshold, top K.
    Rows: body u, body v, size u, size v, score, box centre u, box centre v."""
    from scipy.ndimage import maximum_filter
    peaks = (heat >= PEAK_THRESHOLD) & (heat >= maximum_filter(heat, 3, mode='constant'))
    u, v = np.nonzero(peaks)
    order = np.argsort(-heat[u, v])[:TOPK]
    u, v = u[order], v[order]
    bu, bv = (u + off[0, u, v]) * STRIDE, (v + off[1, u, v]) * STRIDE
    return np.stack([bu, bv, size[0, u, v], size[1, u, v], heat[u, v], bu + shift[0, u, v], bv + shift[1, u, v]], 1)


def evaluate(model: Detector, data: list[dict], tol_px: float = 5.0) -> dict:
    """Per-slice matching of decoded body centres to ground-truth ones within tol_px (10 mm at
    2 mm): recall, precision, and the size and box-centre errors of the matches."""
    model.eval()
    tp = fn = fp = 0
    size_err, box_err = [], []
    by_level: dict[int, list[int]] = {}   # level → [found, boxes]
    with torch.no_grad():
        for d in data:
            img = normalise(d['image'])
            nu, nv = img.shape
            pu, pv = -nu % 16, -nv % 16
            x = torch.from_numpy(np.pad(img, ((0, pu), (0, pv))))[None, None]
            h, s, o, f = (t[0].numpy() for t in model(x))
            pred = decode(h[0], s, o, f)
            gt = d['boxes']
            used = np.zeros(len(pred), bool)
            for b in gt:
                dist = np.hypot(pred[:, 0] - b[1], pred[:, 1] - b[2]) if len(pred) else np.array([])
                dist[used] = np.inf
                hit = by_level.setdefault(int(b[0]), [0, 0])
                hit[1] += 1
                if len(dist) and dist.min() <= tol_px:
                    hit[0] += 1
                    k = int(dist.argmin())
                    used[k] = True
                    tp += 1
                    size_err.append(np.abs(pred[k, 2:4] - b[3:5]).mean())
                    box_err.append(np.hypot(*(pred[k, 5:7] - (b[1:3] + b[5:7]))))
                else:
                    fn += 1
            fp += int((~used).sum())
    return {'slices': len(data), 'boxes': tp + fn, 'recall': tp / max(1, tp + fn), 'precision': tp / max(1, tp + fp),
            'size_error_px': float(np.mean(size_err)) if size_err else None, 'box_centre_error_px': float(np.mean(box_err)) if box_err else None,
            'recall_by_level': {str(l): round(f / n, 4) for l, (f, n) in sorted(by_level.items())}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--minutes', type=float, default=20)
    ap.add_argument('--train-phantoms', type=int, default=120)
    ap.add_argument('--masked-per-subject', type=int, default=3)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--out', default='training/out/detector')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--resume', help='continue from these weights (detector.pt of an earlier run)')
    ap.add_argument('--resumed-steps', type=int, default=0)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--hard-levels', default='', help='VerSe ids to sample more often, e.g. 1,2,7 (C1, C2, C7)')
    ap.add_argument('--hard-share', type=float, default=0, help='share of each batch cropped around a --hard-levels box')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    train = load_train(a.train_phantoms, a.masked_per_subject)
    val_ph = samples(val_phantom_seeds())
    val_real = {c.id: samples([], reals=[c]) for c in real_subjects('val') if c.ct_path}
    print(f'data: {len(train)} train slices, {len(val_ph)} val phantom slices ({time.time() - t0:.0f} s)', flush=True)
    model = Detector()
    frozen = False
    if a.resume:
        state, frozen = load_checkpoint(a.resume, a.out)
        # Weights from before the shift head existed load too (it then starts from scratch).
        missing, unexpected = model.load_state_dict(state, strict=False)
        if unexpected or any(not k.startswith('shift.') for k in missing):
            raise SystemExit(f'{a.resume}: not a detector ({missing=}, {unexpected=})')
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    rng = np.random.default_rng(a.seed)
    focus = frozenset(int(x) for x in a.hard_levels.split(',') if x)
    hard_idx = np.array([i for i, d in enumerate(train) if any(int(b[0]) in focus for b in d['boxes'])], int)
    if focus:
        print(f'hard levels {sorted(focus)}: {len(hard_idx)} of {len(train)} slices, share {a.hard_share}', flush=True)
    step, t1, run = 0, time.time(), []
    budget = a.minutes * 60
    while time.time() - t1 < budget:
        train_mode(model, frozen)
        frac = (time.time() - t1) / budget
        for g in opt.param_groups:   # cosine decay over the time budget
            g['lr'] = a.lr * 0.5 * (1 + np.cos(np.pi * min(frac, 1)))
        idx, focused = hard_batch(len(train), hard_idx, rng, a.batch, a.hard_share)
        loss = loss_fn(model, make_batch(train, idx, rng, focused=focused, focus=focus))
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.append(loss.item())
        step += 1
        if step % 100 == 0:
            print(f'step {step} loss {np.mean(run[-100:]):.3f} ({time.time() - t1:.0f} s)', flush=True)
        if step % 1000 == 0:   # a checkpoint: a session can end before the budget does
            torch.save(model.state_dict(), os.path.join(a.out, 'detector.pt'))
    metrics = {'steps': step + a.resumed_steps, 'resumed_from': a.resume, 'lr': a.lr, 'batch': a.batch, 'train_minutes': a.minutes, 'train_slices': len(train), 'seed': a.seed,
               'hard_levels': sorted(focus), 'hard_share': a.hard_share,
               'val_phantoms': evaluate(model, val_ph), 'val_phantoms_fov_cut': evaluate(model, cut_slices(val_ph)), 'real_val': {k: evaluate(model, v) for k, v in val_real.items()},
               'seconds': round(time.time() - t0)}
    print(json.dumps(metrics), flush=True)
    torch.save(model.state_dict(), os.path.join(a.out, 'detector.pt'))
    export(model.eval(), (torch.zeros(1, 1, 128, 128),), ['image'], ['heat', 'size', 'offset', 'shift'], os.path.join(a.out, 'detector.onnx'), dynamic_spatial=True)
    with open(os.path.join(a.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)


if __name__ == '__main__':
    main()
