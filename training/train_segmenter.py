"""Trains the stage-2 segmenter on phantom crops (+ mask-driven phantoms of the training
subjects), validates by Dice per vertebra on validation phantoms and the real validation CTs, and
exports ONNX. Time-boxed so a run fits a session:

  /usr/bin/python3 -m training.train_segmenter --minutes 15 --out training/out/segmenter
"""
from __future__ import annotations

import argparse
import json
import os
import time
from multiprocessing import Pool

import numpy as np
import torch
from torch.nn import functional as F

from .data.crops import CropSpec, extract
from .data.split import real_split, val_phantom_seeds
from .data.verse import real_cases
from .models.export import export
from .models.segmenter import Segmenter
from .phantoms.case import Options, make_case

SPEC = CropSpec(spacing=2.0, slices=0, seg_size=48, seg_margin=6, id_size=48)
WINDOW = (-500.0, 1500.0)   # HU → [0, 1]
SIGMA_VOX = 3.0             # heatmap width at the candidate centre
CENTRE_JITTER_VOX = 1.5     # candidate centres are not exact


def _phantom(seed: int) -> dict:
    case = make_case(seed, Options(max_voxels=6_000_000))
    cents = {c['label']: case.mask.affine[:3, :3] @ [c['X'], c['Y'], c['Z']] + case.mask.affine[:3, 3] for c in case.ctd[1:]}
    return extract(f'phantom-{seed}', case.ct, case.mask, cents, SPEC)


def _masked(args: tuple) -> dict:
    from .phantoms.from_mask import make_from_mask
    real, seed = args
    case = make_from_mask(real, seed)
    cents = {c['label']: case.mask.affine[:3, :3] @ [c['X'], c['Y'], c['Z']] + case.mask.affine[:3, 3] for c in case.ctd[1:]}
    return extract(f'masked-{real.id}-{seed}', case.ct, case.mask, cents, SPEC)


def load(seeds: list[int], workers: int = 2, masked_per_subject: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Phantom crops; plus mask-driven phantoms of the training subjects (never the validation ones)."""
    with Pool(workers) as pool:
        res = pool.map(_phantom, seeds)
        if masked_per_subject:
            train = [c for c in real_cases() if real_split(c.subject) == 'train']
            res += pool.map(_masked, [(c, 7000 + k) for c in train for k in range(masked_per_subject)])
    cts = [c for r in res for c in r['seg_ct']]
    masks = [m for r in res for m in r['seg_mask']]
    return np.stack(cts), np.stack(masks)


def real_val() -> tuple[np.ndarray, np.ndarray, list[str]]:
    cts, masks, names = [], [], []
    for c in real_cases():
        if c.ct_path and real_split(c.subject) == 'val':
            r = extract(c.id, c.ct(), c.mask(), c.centroids, SPEC)
            cts += r['seg_ct']
            masks += r['seg_mask']
            names += [f'{c.id}:{l}' for l in r['levels']]
    return np.stack(cts), np.stack(masks), names


def batch(cts: np.ndarray, masks: np.ndarray, idx: np.ndarray, rng: np.random.Generator, train: bool) -> tuple[torch.Tensor, torch.Tensor]:
    s, m = SPEC.seg_size, SPEC.seg_margin
    xs, ys = [], []
    for i in idx:
        o = rng.integers(0, 2 * m + 1, 3) if train else np.full(3, m)
        ct = cts[i][o[0]:o[0] + s, o[1]:o[1] + s, o[2]:o[2] + s]
        mk = masks[i][o[0]:o[0] + s, o[1]:o[1] + s, o[2]:o[2] + s]
        ct = np.clip((ct - WINDOW[0]) / (WINDOW[1] - WINDOW[0]), 0, 1)
        if train:
            ct = ct * rng.uniform(0.9, 1.1) + rng.normal(0, 0.02)
            if rng.random() < 0.5:
                ct, mk = ct[::-1], mk[::-1]
        # The candidate centre: the true one moved by the crop shift, plus detection error.
        c = np.full(3, s // 2 + m) - o + (rng.normal(0, CENTRE_JITTER_VOX, 3) if train else 0)
        g = np.stack(np.meshgrid(*[np.arange(s)] * 3, indexing='ij'), 0)
        heat = np.exp(-((g - c[:, None, None, None]) ** 2).sum(0) / (2 * SIGMA_VOX ** 2))
        # Arrays are (x, y, z); torch wants (z, y, x) to match the TS tensor layout (x fastest).
        xs.append(np.stack([ct, heat]).transpose(0, 3, 2, 1))
        ys.append(mk.transpose(2, 1, 0)[None])
    return torch.from_numpy(np.ascontiguousarray(xs, dtype=np.float32)), torch.from_numpy(np.ascontiguousarray(ys, dtype=np.float32))


def dice(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    inter = (p * y).sum(dim=(1, 2, 3, 4))
    return (2 * inter + 1) / (p.sum(dim=(1, 2, 3, 4)) + y.sum(dim=(1, 2, 3, 4)) + 1)


def evaluate(model: Segmenter, cts: np.ndarray, masks: np.ndarray) -> np.ndarray:
    model.eval()
    out = []
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for i in range(0, len(cts), 8):
            x, y = batch(cts, masks, np.arange(i, min(i + 8, len(cts))), rng, train=False)
            out += dice((model(x) > 0.5).float(), y).tolist()
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--minutes', type=float, default=15)
    ap.add_argument('--train-phantoms', type=int, default=60)
    ap.add_argument('--masked-per-subject', type=int, default=3)
    ap.add_argument('--out', default='training/out/segmenter')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    tr_ct, tr_m = load(list(range(a.train_phantoms)), masked_per_subject=a.masked_per_subject)
    va_ct, va_m = load(val_phantom_seeds()[:10])
    re_ct, re_m, re_names = real_val()
    print(f'data: {len(tr_ct)} train crops, {len(va_ct)} val phantom crops, {len(re_ct)} real val crops ({time.time() - t0:.0f} s)', flush=True)
    model = Segmenter()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    rng = np.random.default_rng(a.seed)
    step, t1 = 0, time.time()
    while time.time() - t1 < a.minutes * 60:
        model.train()
        x, y = batch(tr_ct, tr_m, rng.integers(0, len(tr_ct), 4), rng, train=True)
        p = model(x)
        loss = F.binary_cross_entropy(p, y) + (1 - dice(p, y)).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            print(f'step {step} loss {loss.item():.3f} ({time.time() - t1:.0f} s)', flush=True)
    d_ph, d_re = evaluate(model, va_ct, va_m), evaluate(model, re_ct, re_m)
    metrics = {'steps': step, 'train_minutes': a.minutes, 'train_crops': len(tr_ct), 'dice_val_phantoms_mean': float(d_ph.mean()),
               'dice_val_phantoms_median': float(np.median(d_ph)), 'dice_real_val': dict(zip(re_names, np.round(d_re, 3).tolist())),
               'dice_real_val_mean': float(d_re.mean()), 'seconds': round(time.time() - t0)}
    print(json.dumps(metrics), flush=True)
    torch.save(model.state_dict(), os.path.join(a.out, 'segmenter.pt'))
    export(model.eval(), (torch.zeros(1, 2, SPEC.seg_size, SPEC.seg_size, SPEC.seg_size),), ['input'], ['prob'], os.path.join(a.out, 'segmenter.onnx'))
    with open(os.path.join(a.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)


if __name__ == '__main__':
    main()
