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

import numpy as np
import torch
from torch.nn import functional as F

from .data import fov
from .data.crops import AIR, bbox_centre
from .data.dataset import CENTRE_JITTER_VOX, SEG_SIGMA_VOX as SIGMA_VOX, SPEC, WINDOW, build, real, real_subjects
from .data.split import val_phantom_seeds
from .models.export import export
from .models.segmenter import Segmenter, sharpen_width
from .recover import load_checkpoint, train_mode


def stack(results: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    return np.stack([c for r in results for c in r['seg_ct']]), np.stack([m for r in results for m in r['seg_mask']])


def load(seeds: list[int], masked_per_subject: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Phantom crops; plus mask-driven phantoms and real CTs of the training subjects (never the validation ones)."""
    train = real_subjects('train')
    res = build(seeds, [(c, 7000 + k) for c in train for k in range(masked_per_subject)])
    if masked_per_subject:
        res += [real(c) for c in train if c.ct_path]
    return stack(res)


def real_val() -> tuple[np.ndarray, np.ndarray, list[str]]:
    res = [real(c) for c in real_subjects('val') if c.ct_path]
    return (*stack(res), [f"{r['id']}:{l}" for r in res for l in r['levels']])


def fov_cut(ct: np.ndarray, mk: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The cube with its vertebra cut by a scan's edge (data/fov.py): beyond the plane the CT is the
    air stage 2 pads with, the mask is empty. Stage 1 then finds the fragment's own box centre, so the
    cube is padded along the cut axis and that centre returned (voxels of the padded cube). None if
    nothing of the vertebra would stay."""
    z = np.nonzero(mk.any(axis=(0, 1)))[0]
    if not len(z):
        return None
    plane, below = fov.cut_plane(z.min() - 0.5, z.max() + 0.5, rng)
    gone = fov.outside(ct.shape[2], plane, below)
    if not mk[:, :, ~gone].any():
        return None
    ct, mk = ct.copy(), mk.copy()
    ct[:, :, gone], mk[:, :, gone] = AIR, 0
    pad = ((0, 0), (0, 0), (SPEC.seg_size // 2,) * 2)
    ct, mk = np.pad(ct, pad, constant_values=AIR), np.pad(mk, pad)
    return ct, mk, bbox_centre(mk)


def batch(cts: np.ndarray, masks: np.ndarray, idx: np.ndarray, rng: np.random.Generator, train: bool,
          cut_share: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Input and target cubes: training shifts the crop and jitters the candidate centre; a
    `cut_share` of the cubes have their vertebra cut by a field-of-view edge."""
    s, m = SPEC.seg_size, SPEC.seg_margin
    xs, ys = [], []
    for i in idx:
        ct, mk = cts[i], masks[i]
        centre = np.full(3, s // 2 + m, float)   # the vertebra's box centre: the middle of the stored cube
        if cut_share and rng.random() < cut_share and (cut := fov_cut(ct, mk, rng)) is not None:
            ct, mk, centre = cut
        o = np.rint(centre).astype(int) - s // 2 + (rng.integers(-m, m + 1, 3) if train else 0)
        o = np.clip(o, 0, np.array(ct.shape) - s)
        ct = ct[o[0]:o[0] + s, o[1]:o[1] + s, o[2]:o[2] + s]
        mk = mk[o[0]:o[0] + s, o[1]:o[1] + s, o[2]:o[2] + s]
        ct = np.clip((ct - WINDOW[0]) / (WINDOW[1] - WINDOW[0]), 0, 1)
        # The candidate centre: the true one moved by the crop shift, plus detection error.
        c = centre - o + (rng.normal(0, CENTRE_JITTER_VOX, 3) if train else 0)
        if train:
            ct = ct * rng.uniform(0.9, 1.1) + rng.normal(0, 0.02)
            if rng.random() < 0.5:   # left-right mirror
                ct, mk, c = ct[::-1], mk[::-1], np.array([s - 1 - c[0], c[1], c[2]])
        g = np.stack(np.meshgrid(*[np.arange(s)] * 3, indexing='ij'), 0)
        heat = np.exp(-((g - c[:, None, None, None]) ** 2).sum(0) / (2 * SIGMA_VOX ** 2))
        # Arrays are (x, y, z); torch wants (z, y, x) to match the TS tensor layout (x fastest).
        xs.append(np.stack([ct, heat]).transpose(0, 3, 2, 1))
        ys.append(mk.transpose(2, 1, 0)[None])
    return torch.from_numpy(np.ascontiguousarray(xs, dtype=np.float32)), torch.from_numpy(np.ascontiguousarray(ys, dtype=np.float32))


def dice(p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    inter = (p * y).sum(dim=(1, 2, 3, 4))
    return (2 * inter + 1) / (p.sum(dim=(1, 2, 3, 4)) + y.sum(dim=(1, 2, 3, 4)) + 1)


def evaluate(model: Segmenter, cts: np.ndarray, masks: np.ndarray, cut: bool = False) -> np.ndarray:
    """Dice per cube (every cube cut by a field-of-view edge when `cut`, the same cuts every run)."""
    model.eval()
    out = []
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for i in range(0, len(cts), 8):
            x, y = batch(cts, masks, np.arange(i, min(i + 8, len(cts))), rng, train=False, cut_share=float(cut))
            out += dice((model(x) > 0.5).float(), y).tolist()
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--minutes', type=float, default=15)
    ap.add_argument('--train-phantoms', type=int, default=60)
    ap.add_argument('--masked-per-subject', type=int, default=3)
    ap.add_argument('--out', default='training/out/segmenter')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--resume', help='start from these weights (a .pt of an earlier run)')
    ap.add_argument('--resumed-steps', type=int, default=0)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--sharpen', type=int, default=0, help='width of the full-resolution sharpening stage (models/segmenter.py), where the resumed weights have none')
    ap.add_argument('--train-only-sharpen', action='store_true', help='keep every other weight as resumed: train the sharpening stage alone')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    tr_ct, tr_m = load(list(range(a.train_phantoms)), masked_per_subject=a.masked_per_subject)
    va_ct, va_m = load(val_phantom_seeds()[:10])
    re_ct, re_m, re_names = real_val()
    print(f'data: {len(tr_ct)} train crops, {len(va_ct)} val phantom crops, {len(re_ct)} real val crops ({time.time() - t0:.0f} s)', flush=True)
    state, frozen = load_checkpoint(a.resume, a.out) if a.resume else ({}, False)
    model = Segmenter(sharpen=sharpen_width(state) or a.sharpen)
    if a.resume:
        # Weights of the half-resolution U-Net alone (before the refinement existed), or without the
        # sharpening stage, load too: what they lack starts as a no-op (models/segmenter.py).
        missing, unexpected = model.load_state_dict(state, strict=False)
        if unexpected or any(not k.startswith(('squeeze.', 'refine.', 'sharpen.')) for k in missing):
            raise SystemExit(f'{a.resume}: not a segmenter ({missing=}, {unexpected=})')
    if a.train_only_sharpen and model.sharpen is None:
        raise SystemExit('--train-only-sharpen: the model has no sharpening stage (give --sharpen WIDTH)')
    trained = model.sharpen if a.train_only_sharpen else model
    stage_frozen = frozen and sharpen_width(state) > 0   # a stage recovered from ONNX has folded BatchNorms; a fresh one learns its statistics
    for p in model.parameters():
        p.requires_grad_(False)
    for p in trained.parameters():   # frozen weights build no autograd graph: the U-Net then costs a forward pass only
        p.requires_grad_(True)
    opt = torch.optim.AdamW(trained.parameters(), lr=a.lr, weight_decay=1e-4)
    rng = np.random.default_rng(a.seed)
    step, t1 = 0, time.time()
    while time.time() - t1 < a.minutes * 60:
        if a.train_only_sharpen:
            model.eval()
            train_mode(trained, stage_frozen)
        else:
            train_mode(model, frozen)
        x, y = batch(tr_ct, tr_m, rng.integers(0, len(tr_ct), 4), rng, train=True, cut_share=fov.SHARE)
        p = model(x)
        loss = F.binary_cross_entropy(p, y) + (1 - dice(p, y)).mean()
        for g in opt.param_groups:   # cosine decay over the time budget
            g['lr'] = a.lr * 0.5 * (1 + np.cos(np.pi * min(1.0, (time.time() - t1) / (a.minutes * 60))))
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            print(f'step {step} loss {loss.item():.3f} ({time.time() - t1:.0f} s)', flush=True)
        if step % 500 == 0:   # a checkpoint: a session can end before the budget does
            torch.save(model.state_dict(), os.path.join(a.out, 'segmenter.pt'))
    d_ph, d_re, d_cut = evaluate(model, va_ct, va_m), evaluate(model, re_ct, re_m), evaluate(model, va_ct, va_m, cut=True)
    metrics = {'steps': step + a.resumed_steps, 'run_steps': step, 'lr': a.lr, 'sharpen': sharpen_width(model.state_dict()), 'trained': 'sharpening stage' if a.train_only_sharpen else 'all', 'train_minutes': a.minutes, 'train_crops': len(tr_ct), 'seed': a.seed, 'resumed_from': a.resume, 'dice_val_phantoms_mean': float(d_ph.mean()),
               'dice_val_phantoms_median': float(np.median(d_ph)), 'dice_val_phantoms_fov_cut_mean': float(d_cut.mean()), 'dice_real_val': dict(zip(re_names, np.round(d_re, 3).tolist())),
               'dice_real_val_mean': float(d_re.mean()), 'seconds': round(time.time() - t0)}
    print(json.dumps(metrics), flush=True)
    torch.save(model.state_dict(), os.path.join(a.out, 'segmenter.pt'))
    export(model.eval(), (torch.zeros(1, 2, SPEC.seg_size, SPEC.seg_size, SPEC.seg_size),), ['input'], ['prob'], os.path.join(a.out, 'segmenter.onnx'))
    with open(os.path.join(a.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)


if __name__ == '__main__':
    main()
