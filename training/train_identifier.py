"""Stage-3 identifier: supervised-contrastive pre-training of the encoder on mask crops (Eq. 2, two
augmented views per crop), then the frozen encoder's embeddings feed the head, fine-tuned with
α·L_se + β·L_mse + γ·L_ce (0.1, 0.5, 1). Then the fusion matrices φ_d are learned on held-out
identifier outputs, starting from the anatomical shift. Validation: validation phantoms, and real
masks leaving one real subject out at a time (the encoder never sees real data; each fold's head
is trained without the held-out subject and its mask-driven phantoms). Ablation rows as Table 3.

  /usr/bin/python3 -m training.train_identifier --pretrain-minutes 12 --out training/out/identifier

L_se (Eq. 3, n minus the longest strictly increasing run) has no gradient; we train a hinge
surrogate on the expected label indices e_k of a scan's vertebrae in spine order,
  L_se = mean_k relu(e_k − e_{k+1} + 1),
which is zero exactly when every expected label is at least one above the previous one.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import time

import numpy as np
import torch
from torch.nn import functional as F

from .data.dataset import SPEC, WINDOW, build, real, real_subjects
from .data.split import val_phantom_seeds
from .fusion import OFFSETS, fuse, shift_phi
from .sequence import decode
from .models.identifier import CLASSES, Encoder, Head, Heads, encoder_of, head_of, project, widened
from .recover import load_checkpoint, train_mode

ALPHA, BETA, GAMMA = 0.1, 0.5, 1.0
DROPOUT = 0.25        # head input dropout, also the MC-dropout rate at inference
MC_PASSES = 20
TAU = 0.1             # SupCon temperature
HEAD_PHANTOMS = range(0, 100)     # encoder pre-training and head training
FUSION_PHANTOMS = range(100, 120)  # held out from both: φ is learned on their identifier outputs
LOSO_SUBJECTS = ('sub-gl003', 'sub-gl017', 'sub-verse004', 'sub-verse009', 'sub-verse010', 'sub-verse006', 'sub-verse008')


# ---------------------------------------------------------------- data

def scans_of(results: list[dict], subject: str, kind: str, ct: bool = False, context: bool = False) -> list[dict]:
    """One entry per case: its vertebra crops in spine order (cranial → caudal = VerSe id order). `context`: each crop
    [n, 2, x, y, z], the vertebra's mask and the other vertebrae's masks in the same cube (the encoder's second channel)."""
    out = []
    for r in results:
        if not r['levels']:
            continue
        order = np.argsort(r['levels'])
        levels = np.array(r['levels'])[order]
        keep = (levels >= 1) & (levels <= CLASSES)   # L6 (25) and T13 (28) have no class of their own
        item = {'id': r['id'], 'subject': subject, 'kind': kind, 'levels': levels[keep] - 1,
                'masks': np.stack(r['id_mask'])[order][keep]}
        if context:
            if len(r.get('id_context', [])) != len(r['id_mask']):
                raise ValueError(f"{r['id']}: no context cubes in its cache (made before they existed): remove it from training/cache and prepare again")
            item['masks'] = np.stack([item['masks'], np.stack(r['id_context'])[order][keep]], 1)
        if ct and r['seg_ct']:
            m = SPEC.seg_margin
            s = SPEC.seg_size
            item['ct'] = np.stack(r['seg_ct'])[order][keep][:, m:m + s, m:m + s, m:m + s]
        out.append(item)
    return out


def to_torch(cubes: np.ndarray) -> torch.Tensor:
    """(x, y, z) cubes [n, x, y, z] (or [n, C, x, y, z]) → [n, C, z, y, x] float: the TS tensor layout (x fastest)."""
    if cubes.ndim == 5:
        return torch.from_numpy(np.ascontiguousarray(cubes.transpose(0, 1, 4, 3, 2), dtype=np.float32))
    return torch.from_numpy(np.ascontiguousarray(cubes.transpose(0, 3, 2, 1), dtype=np.float32))[:, None]


def channels_of(cubes: np.ndarray) -> int:
    """Input channels of stacked crops: 1 (the mask) or 2 (mask + context)."""
    return cubes.shape[1] if cubes.ndim == 5 else 1


def ct_input(ct: np.ndarray) -> torch.Tensor:
    return to_torch(np.clip((ct - WINDOW[0]) / (WINDOW[1] - WINDOW[0]), 0, 1))


def augment(x: torch.Tensor, g: torch.Generator, binary: bool = True) -> torch.Tensor:
    """Random rotation (±12°), scale (±8 %, and ±10 % per axis), translation (±3 voxels), left–right mirror, boundary
    noise: the views of Eq. 2 and the head's training augmentation."""
    n = x.shape[0]
    ang = (torch.rand(n, 3, generator=g) - 0.5) * 2 * math.radians(12)
    cx, cy, cz = torch.cos(ang).unbind(1)
    sx, sy, sz = torch.sin(ang).unbind(1)
    one, zero = torch.ones(n), torch.zeros(n)
    rx = torch.stack([one, zero, zero, zero, cx, -sx, zero, sx, cx], 1).view(n, 3, 3)
    ry = torch.stack([cy, zero, sy, zero, one, zero, -sy, zero, cy], 1).view(n, 3, 3)
    rz = torch.stack([cz, -sz, zero, sz, cz, zero, zero, zero, one], 1).view(n, 3, 3)
    # Isotropic ±8 % and per-axis ±10 %: real vertebrae are not scaled copies of the phantoms'.
    scale = (1 + (torch.rand(n, 1, 1, generator=g) - 0.5) * 0.16) * (1 + (torch.rand(n, 1, 3, generator=g) - 0.5) * 0.2)
    a = rx @ ry @ rz * scale
    flip = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    a[:, :, 0] *= flip[:, None]      # grid's first coordinate is x (last tensor axis): mirror L–R
    t = (torch.rand(n, 3, 1, generator=g) - 0.5) * 2 * 3 / (x.shape[-1] / 2)
    grid = F.affine_grid(torch.cat([a, t], 2), list(x.shape), align_corners=False)
    y = F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=False)
    if binary:
        return (y + torch.randn(y.shape, generator=g) * 0.15 > 0.5).float()
    return (y + torch.randn(y.shape, generator=g) * 0.02).clamp(0, 1)


# ---------------------------------------------------------------- losses

def supcon(z: torch.Tensor, y: torch.Tensor, tau: float = TAU) -> torch.Tensor:
    """Supervised contrastive loss (Eq. 2) over unit embeddings z [n, E] with labels y [n]."""
    sim = z @ z.T / tau
    self_mask = torch.eye(len(z), dtype=torch.bool)
    sim = sim.masked_fill(self_mask, -1e9)
    log_prob = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    pos = (y[:, None] == y[None, :]) & ~self_mask
    return -((log_prob * pos).sum(1) / pos.sum(1).clamp(min=1)).mean()


def head_loss(logits: torch.Tensor, y: torch.Tensor, seq: list[slice]) -> tuple[torch.Tensor, dict]:
    """α·L_se + β·L_mse + γ·L_ce; `seq` slices group a scan's vertebrae (in spine order)."""
    p = logits.softmax(1)
    e = p @ torch.arange(CLASSES, dtype=torch.float32)
    ce = F.cross_entropy(logits, y)
    mse = ((e - y.float()) ** 2).mean()
    se = torch.stack([F.relu(e[s][:-1] - e[s][1:] + 1).mean() for s in seq if s.stop - s.start > 1] or [torch.zeros(())]).mean()
    return ALPHA * se + BETA * mse + GAMMA * ce, {'ce': ce.item(), 'mse': mse.item(), 'se': se.item()}


# ---------------------------------------------------------------- training

def pretrain(vert: np.ndarray, levels: np.ndarray, minutes: float, seed: int, batch: int = 48, start: dict | None = None,
             extra: tuple[np.ndarray, np.ndarray] | None = None, extra_share: float = 0.5, lr: float = 1e-3, tag: str = 'pretrain', frozen: bool = False,
             steps: int = 0, snapshot: str | None = None, args: dict | None = None, every: int = 25) -> tuple[Encoder, int]:
    """SupCon on two views per crop; levels sampled uniformly so rare (cervical) ones count.
    `start`: encoder weights to continue from (a run split over sessions, or the fine-tuning below);
    `frozen`: they were recovered from the ONNX files, so their BatchNorms stay frozen (training/recover.py).
    `extra`: a second pool (real masks and mask-driven phantoms): where it holds the level drawn, a crop
    comes from it with probability `extra_share`, so real shapes and phantom shapes of one level are
    each other's positives. `steps`: stop after so many steps instead of `minutes` (a result that does not
    depend on what else shares the CPU). `snapshot` (with `steps`): every `every` steps the whole state (weights,
    optimiser, both random generators) is kept there, and a later call with the same `args` goes on from it, bit for bit
    as if never stopped; a finished run's snapshot is returned at once. The caller removes it once it has kept the result."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    enc = Encoder(channels=channels_of(vert))
    if start:
        enc.load_state_dict(widened(start, channels_of(vert)))
    opt = torch.optim.AdamW(enc.parameters(), lr=lr, weight_decay=1e-4)
    by_level = {l: np.nonzero(levels == l)[0] for l in np.unique(levels)}
    extra_by = {l: np.nonzero(extra[1] == l)[0] for l in np.unique(extra[1])} if extra is not None else {}
    keys = list(by_level)
    step, t0, run = 0, time.time(), []
    snap = kept_part(snapshot, args or {}) if snapshot and steps else None
    if snap:
        enc.load_state_dict(snap['encoder'])
        opt.load_state_dict(snap['optimiser'])
        g.set_state(snap['torch_rng'])
        rng.bit_generator.state = snap['numpy_rng']
        step, run, t0 = snap['step'], snap['losses'], t0 - snap['seconds']
        print(f'{tag}: going on from {snapshot} at step {step}', flush=True)
    while step < steps if steps else time.time() - t0 < minutes * 60:
        train_mode(enc, frozen)
        lv = rng.choice(keys, batch)
        crops = [extra[0][rng.choice(extra_by[l])] if l in extra_by and rng.random() < extra_share else vert[rng.choice(by_level[l])] for l in lv]
        x = to_torch(np.stack(crops))
        views = torch.cat([augment(x, g), augment(x, g)])
        y = torch.from_numpy(np.concatenate([lv, lv]))
        loss = supcon(project(enc(views)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.append(loss.item())
        step += 1
        if step % 50 == 0:
            print(f'{tag} step {step} loss {np.mean(run[-50:]):.3f} ({time.time() - t0:.0f} s)', flush=True)
        if snapshot and steps and (step % every == 0 or step == steps):
            keep_part(snapshot, {'args': args or {}, 'encoder': enc.state_dict(), 'optimiser': opt.state_dict(), 'torch_rng': g.get_state(),
                                 'numpy_rng': rng.bit_generator.state, 'step': step, 'losses': run, 'seconds': time.time() - t0})
    return enc.eval(), step


def snapshot_seconds(path: str) -> float:
    """Seconds an earlier session spent on the step-bounded fine-tuning kept at `path` (0 if none)."""
    return torch.load(path)['seconds'] if os.path.exists(path) else 0.0


def part(out: str, name: str) -> str:
    """Where a run keeps a finished piece of work (fine-tuned encoder, a fold's outputs) for a later session to reuse."""
    return os.path.join(out, 'parts', f'{name}.pt')


def kept_part(path: str, args: dict) -> dict | None:
    """A part an earlier session of this run kept, or None; one made with other arguments is refused, not mixed in."""
    if not os.path.exists(path):
        return None
    p = torch.load(path)
    if p['args'] != args:
        raise ValueError(f'{path} was made with {p["args"]}, this run has {args}: give this run another --out')
    return p


def keep_part(path: str, value: dict) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save(value, path + '.tmp')
    os.replace(path + '.tmp', path)   # a session cut mid-write leaves no half file


def half_rounded(model: torch.nn.Module) -> torch.nn.Module:
    """The model with its floating weights rounded to float16 precision (computing stays float32): a fold's part stores
    them as float16, half the bytes, and the run scores the rounded weights, so a later session recomputes its outputs exactly."""
    with torch.no_grad():
        for t in list(model.parameters()) + list(model.buffers()):
            if t.is_floating_point():
                t.copy_(t.half().float())
    return model


def half_state(model: torch.nn.Module) -> dict:
    return {k: v.half() if v.is_floating_point() else v for k, v in model.state_dict().items()}


def float_state(state: dict) -> dict:
    return {k: v.float() if v.is_floating_point() else v for k, v in state.items()}


def real_pool(scans: list[dict]) -> tuple[np.ndarray, np.ndarray] | None:
    """Every vertebra crop of these (real / mask-driven) scans with its level."""
    if not scans:
        return None
    return np.concatenate([s['masks'] for s in scans]), np.concatenate([s['levels'] for s in scans])


@torch.no_grad()
def embed(enc: Encoder, scans: list[dict], views: int, seed: int, field: str = 'masks') -> list[torch.Tensor]:
    """Per scan [views, n, E] embeddings: view 0 clean, the rest augmented."""
    g = torch.Generator().manual_seed(seed)
    enc.eval()
    out = []
    for s in scans:
        x = to_torch(s['masks']) if field == 'masks' else ct_input(s['ct'])
        vs = [enc(x)] + [enc(augment(x, g, binary=field == 'masks')) for _ in range(views - 1)]
        out.append(torch.stack(vs))
    return out


@torch.no_grad()
def embed_mirrored(enc: Encoder, scans: list[dict], seed: int) -> list[torch.Tensor]:
    """Per scan [1, n, E]: the embeddings of the clean mask crops mirrored left–right (the tensor's last axis is x)."""
    enc.eval()
    return [enc(to_torch(s['masks']).flip(-1))[None] for s in scans]


def head_batch(scans: list[dict], rng: np.random.Generator, per_batch: int, real_share: float = 0) -> np.ndarray:
    """Indices of one head batch's sequences: a `real_share` of them real masks or their mask-driven phantoms, the
    rest phantoms; 0 draws every sequence alike (the sampling before the option existed, draw for draw)."""
    real_idx = [i for i, s in enumerate(scans) if s['kind'] != 'phantom']
    ph_idx = [i for i, s in enumerate(scans) if s['kind'] == 'phantom']
    if not (real_share and real_idx and ph_idx):
        return rng.integers(0, len(scans), per_batch)
    return np.where(rng.random(per_batch) < real_share, rng.choice(real_idx, per_batch), rng.choice(ph_idx, per_batch))


def train_head(emb: list[torch.Tensor], scans: list[dict], steps: int, seed: int, per_batch: int = 16, real_share: float = 0,
               heads: int = 1) -> Head | Heads:
    """`real_share`: the share of each batch drawn from the real masks and their mask-driven phantoms (0: every
    sequence alike, so the ~100 phantoms outweigh the few real scans). `heads` > 1: so many heads, seeds `seed`,
    `seed` + 1000, …, averaged (the first is the single head of the same seed)."""
    if heads > 1:
        return Heads([train_head(emb, scans, steps, seed + 1000 * k, per_batch, real_share) for k in range(heads)]).eval()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    head = Head()
    opt = torch.optim.AdamW(head.parameters(), lr=3e-3, weight_decay=1e-4)
    for step in range(steps):
        for gr in opt.param_groups:
            gr['lr'] = 3e-3 * 0.5 * (1 + math.cos(math.pi * step / steps))
        pick = head_batch(scans, rng, per_batch, real_share)
        xs, ys, seq, o = [], [], [], 0
        for i in pick:
            e = emb[i]
            v = torch.from_numpy(rng.integers(0, e.shape[0], e.shape[1]))
            xs.append(e[v, torch.arange(e.shape[1])])
            ys.append(torch.from_numpy(scans[i]['levels']).long())
            seq.append(slice(o, o + e.shape[1]))
            o += e.shape[1]
        x = torch.cat(xs)
        drop = (torch.rand(x.shape) >= DROPOUT).float() / (1 - DROPOUT)
        loss, _ = head_loss(head(x, drop), torch.cat(ys), seq)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return head.eval()


@torch.no_grad()
def mc_predict(head: Head, e: torch.Tensor, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean softmax over MC_PASSES dropout masks and its entropy, per vertebra."""
    g = torch.Generator().manual_seed(seed)
    n, width = e.shape
    drop = (torch.rand(MC_PASSES, 1, width, generator=g) >= DROPOUT).float() / (1 - DROPOUT)
    p = head(e[None].expand(MC_PASSES, n, width).reshape(-1, width), drop.expand(MC_PASSES, n, width).reshape(-1, width))
    return with_entropy(p.view(MC_PASSES, n, CLASSES).softmax(2).mean(0))


def with_entropy(p: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean probabilities per vertebra and their entropy (the certainty fusion weighs by)."""
    return p, -(p * p.clamp(min=1e-12).log()).sum(1)


def crossfit_outputs(emb: list[torch.Tensor], scans: list[dict], steps: int, seed: int, mirrored: list[torch.Tensor] | None = None,
                     heads: int = 1) -> list:
    """Identifier outputs on the head's own training phantoms that no head saw: a head trained on
    each half predicts the other half (clean views). With the held-out fusion phantoms they give φ
    six times the data for its 6 × 24 × 24 free entries."""
    half = len(scans) // 2
    out = []
    for fit, pred in ((range(half), range(half, len(scans))), (range(half, len(scans)), range(half))):
        h = train_head([emb[i] for i in fit], [scans[i] for i in fit], steps, seed, heads=heads)
        out += outputs_of(h, [emb[i][:1] for i in pred], [scans[i] for i in pred], seed, [mirrored[i] for i in pred] if mirrored else None)
    return out


def learn_phi(outputs: list[tuple[torch.Tensor, torch.Tensor, np.ndarray]], steps: int = 1000, l2: float = 0.0) -> dict[int, torch.Tensor]:
    """φ_d = shift_d + Δ_d (kept ≥ 0), Δ learned by cross-entropy of the fused output at the
    paper's settings on held-out identifier outputs; `l2` pulls Δ towards 0 (the shift prior;
    phi_variants.py: it costs accuracy, so the shipped φ has none)."""
    delta = {d: torch.zeros(CLASSES, CLASSES, requires_grad=True) for d in OFFSETS}
    opt = torch.optim.Adam(delta.values(), lr=0.02)
    for _ in range(steps):
        phi = {d: (shift_phi(d) + delta[d]).clamp(min=0) for d in OFFSETS}
        loss = sum(F.nll_loss(fuse(p, h, phi).clamp(min=1e-9).log(), torch.from_numpy(y).long()) for p, h, y in outputs) / len(outputs)
        if l2:
            loss = loss + l2 * sum((v ** 2).sum() for v in delta.values())
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {d: (shift_phi(d) + delta[d]).clamp(min=0).detach() for d in OFFSETS}


def score(outputs: list[tuple[torch.Tensor, torch.Tensor, np.ndarray]], phi: dict | None, scans: list[dict] | None = None, order: bool = False) -> dict:
    """Top-1 accuracy and label MSE per vertebra, overall and by region (C/T/L). `order`: then the
    app's sequence decoding (training/sequence.py; consecutive vertebrae, so every step is 1; a mask
    set aside or called L6 counts as wrong, with the error of its argmax in the MSE)."""
    pred, true = [], []
    for p, h, y in outputs:
        q = fuse(p, h, phi) if phi is not None else p
        arg = q.argmax(1).tolist()
        pred += [c if 0 <= c < CLASSES else (CLASSES if c == CLASSES else -100 - a) for c, a in zip(decode(q.tolist()), arg)] if order else arg
        true += y.tolist()
    pred, true = np.array(pred), np.array(true)
    region = np.where(true < 7, 'C', np.where(true < 19, 'T', 'L'))
    err = np.where(pred <= -100, -100 - pred, pred) - true     # set aside: its argmax's error
    res = {'n': int(len(true)), 'top1': float((pred == true).mean()) if len(true) else None, 'mse': float((err ** 2).mean()) if len(true) else None}
    for r in 'CTL':
        m = region == r
        res[r] = {'n': int(m.sum()), 'top1': float((pred[m] == true[m]).mean()) if m.any() else None}
    return res


def outputs_of(head: Head, emb: list[torch.Tensor], scans: list[dict], seed: int = 0, mirrored: list[torch.Tensor] | None = None) -> list:
    """(mean MC-dropout probabilities, their entropy, true levels) per scan; with `mirrored`, the probabilities are
    averaged with those of the left–right mirrored crops (a vertebra and its mirror are the same level) and the
    entropy is that of the average."""
    if mirrored is None:
        return [(*mc_predict(head, e[0], seed), s['levels']) for e, s in zip(emb, scans)]
    out = []
    for e, m, s in zip(emb, mirrored, scans):
        out.append((*with_entropy((mc_predict(head, e[0], seed)[0] + mc_predict(head, m[0], seed)[0]) / 2), s['levels']))
    return out


def train_end_to_end(scans: list[dict], field: str, minutes: float, seed: int) -> tuple[Encoder, Head, int]:
    """Ablation baselines: encoder + head from scratch with the same total loss, no pre-training."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    enc, head = Encoder(channels=channels_of(scans[0]['masks']) if field == 'masks' else 1), Head()
    opt = torch.optim.AdamW([*enc.parameters(), *head.parameters()], lr=1e-3, weight_decay=1e-4)
    step, t0 = 0, time.time()
    while time.time() - t0 < minutes * 60:
        enc.train(); head.train()
        xs, ys, seq, o = [], [], [], 0
        for i in rng.integers(0, len(scans), 4):
            s = scans[i]
            xs.append(augment(to_torch(s['masks']), g) if field == 'masks' else augment(ct_input(s['ct']), g, binary=False))
            ys.append(torch.from_numpy(s['levels']).long())
            seq.append(slice(o, o + len(s['levels'])))
            o += len(s['levels'])
        e = enc(torch.cat(xs))
        drop = (torch.rand(e.shape) >= DROPOUT).float() / (1 - DROPOUT)
        loss, _ = head_loss(head(e, drop), torch.cat(ys), seq)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            print(f'{field} baseline step {step} loss {loss.item():.3f} ({time.time() - t0:.0f} s)', flush=True)
    return enc.eval(), head.eval(), step


# ---------------------------------------------------------------- main

def phantom_outputs(enc: Encoder, head: Head | Heads, phantoms: tuple[list[dict], list[dict], list[dict]], emb: tuple[list, list, list], steps: int, seed: int,
                    mirror: bool, heads: int = 1) -> tuple[list, list]:
    """`head`'s outputs as φ's training data (held-out + cross-fitted phantoms) and on the validation phantoms, averaged with the
    mirrored crops' if `mirror`. `phantoms`, `emb`: training, held-out (fusion) and validation phantoms and their embeddings."""
    (train_ph, fusion_ph, val_ph), (e_train, e_fus, e_val) = phantoms, emb
    mir = [embed_mirrored(enc, x, seed) for x in phantoms] if mirror else [None] * 3
    return (outputs_of(head, e_fus, fusion_ph, seed, mir[1]) + crossfit_outputs(e_train, train_ph, steps, seed, mir[0], heads),
            outputs_of(head, e_val, val_ph, seed, mir[2]))


def scored(name: str, fit: list, val: list, t0: float) -> dict:
    """Top-1 on `val` alone, with fusion (φ learned the shipped way on `fit`) and with sequence decoding; printed."""
    phi = learn_phi(fit)
    r = {'no_fusion': score(val, None), 'fusion_learned': score(val, phi), 'fusion_learned_order': score(val, phi, order=True)}
    print(f"{name}: alone {r['no_fusion']['top1']:.4f} (T {r['no_fusion']['T']['top1']:.3f}), fusion {r['fusion_learned']['top1']:.4f} "
          f"(T {r['fusion_learned']['T']['top1']:.3f}), + sequence decoding {r['fusion_learned_order']['top1']:.4f} ({time.time() - t0:.0f} s)", flush=True)
    return r


def plain_and_mirrored(enc: Encoder, head: Head, phantoms: tuple[list[dict], list[dict], list[dict]], emb: tuple[list, list, list], steps: int, seed: int,
                       t0: float) -> dict:
    """The validation phantoms' top-1 for `head`'s outputs as they are and averaged with the mirrored crops' (φ re-learned)."""
    return {name: scored(name, *phantom_outputs(enc, head, phantoms, emb, steps, seed, mirror), t0)
            for name, mirror in (('plain', False), ('mirror-averaged', True))}


def probe_pretrained(enc: Encoder, steps: int, a: argparse.Namespace, phantoms: tuple[list[dict], list[dict], list[dict]], t0: float) -> None:
    """Saves a phantom-only encoder (no real mask seen: every leave-one-subject-out fold may start from it) and
    probes it as the ablation's rows 3–4 do: a head on the training phantoms, scored with and without the mirror."""
    torch.save({'encoder': enc.state_dict(), 'head': Head().state_dict()}, os.path.join(a.out, 'identifier.pt'))
    emb = (embed(enc, phantoms[0], a.views, a.seed), embed(enc, phantoms[1], 1, a.seed), embed(enc, phantoms[2], 1, a.seed))
    head = train_head(emb[0], phantoms[0], a.head_steps, a.seed)
    metrics = {'seed': a.seed, 'pretrain_steps': steps, 'pretrain_minutes': a.pretrain_minutes + a.resumed_minutes, 'resumed_from': a.resume, 'context': a.context,
               'probe_val_phantoms': plain_and_mirrored(enc, head, phantoms, emb, a.head_steps, a.seed, t0), 'seconds': round(time.time() - t0)}
    with open(os.path.join(a.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--pretrain-minutes', type=float, default=12)
    ap.add_argument('--baseline-minutes', type=float, default=5)
    ap.add_argument('--head-steps', type=int, default=1500)
    ap.add_argument('--views', type=int, default=6)
    ap.add_argument('--out', default='training/out/identifier')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--resume', help='continue pre-training from this identifier.pt (its encoder)')
    ap.add_argument('--resumed-steps', type=int, default=0, help='pre-training steps the resumed encoder already had')
    ap.add_argument('--resumed-minutes', type=float, default=0)
    ap.add_argument('--finetune-minutes', type=float, default=0,
                    help='then fine-tune the encoder contrastively on phantoms + real masks + mask-driven phantoms; each LOSO fold again without its subject')
    ap.add_argument('--finetune-steps', type=int, default=0, help='fine-tune for so many steps instead of --finetune-minutes')
    ap.add_argument('--head-real-share', type=float, default=0,
                    help='share of each head batch drawn from real masks and their mask-driven phantoms (0: uniform over sequences)')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--heads', type=int, default=1, help='so many heads trained apart and averaged (one model; see models/identifier.Heads)')
    ap.add_argument('--mirror', action='store_true',
                    help="average each vertebra's MC-dropout probabilities with those of its left–right mirrored crop (φ learned on such outputs; the manifest's head.mirror)")
    ap.add_argument('--context', action='store_true',
                    help="a second input channel: the other vertebrae's masks in the crop (a one-channel --resume is widened, its new weights 0)")
    ap.add_argument('--pretrain-only', action='store_true',
                    help='stop after pre-training: save the phantom-only encoder (to resume from, in a later session) and a probe of it (head on phantoms, φ, validation phantoms)')
    ap.add_argument('--keep-baselines', help="metrics.json whose ablation baselines (rows 1–2, which do not use this encoder) are reused instead of retrained")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    cx = a.context
    train_ph = scans_of(build(list(HEAD_PHANTOMS)), 'phantom', 'phantom', ct=True, context=cx)
    fusion_ph = scans_of(build(list(FUSION_PHANTOMS)), 'phantom', 'phantom', context=cx)
    val_ph = scans_of(build(val_phantom_seeds()), 'phantom', 'phantom', ct=True, context=cx)
    reals = real_subjects()
    real_scans = [s for c in reals for s in scans_of([real(c)], c.subject, 'real', ct=True, context=cx)]
    masked = [s for c in real_subjects('train') for s in scans_of(build([], [(c, 7000 + k) for k in range(3)]), c.subject, 'masked', context=cx)]
    print(f'data: {sum(len(s["levels"]) for s in train_ph)} train phantom vertebrae, {len(real_scans)} real scans, '
          f'{len(masked)} mask-driven ({time.time() - t0:.0f} s)', flush=True)

    vert = np.concatenate([s['masks'] for s in train_ph])
    levels = np.concatenate([s['levels'] for s in train_ph])
    start, frozen = None, False
    if a.resume:
        state, frozen = load_checkpoint(a.resume, a.out)
        start = state['encoder']
    enc, pre_steps = pretrain(vert, levels, a.pretrain_minutes, a.seed + (1 if start else 0), start=start, frozen=frozen)
    pre_steps += a.resumed_steps
    print(f'pre-training done: {pre_steps} steps ({time.time() - t0:.0f} s)', flush=True)
    pretrained = {k: v.clone() for k, v in enc.state_dict().items()}
    if a.pretrain_only:
        probe_pretrained(enc, pre_steps, a, (train_ph, fusion_ph, val_ph), t0)
        return

    def tuned(without: str | None) -> tuple[Encoder, int]:
        """The pre-trained encoder fine-tuned with the real masks (and their mask-driven phantoms) except `without`'s."""
        if not (a.finetune_minutes or a.finetune_steps):
            return enc, 0
        pool = real_pool([s for s in real_scans + masked if s['subject'] != without])
        return pretrain(vert, levels, a.finetune_minutes, a.seed + 2, start=pretrained, extra=pool, lr=3e-4, tag=f'fine-tune (without {without})', frozen=frozen,
                        steps=a.finetune_steps, snapshot=None if a.pretrain_minutes else snapshot_of(without), args=sig)

    def snapshot_of(without: str | None) -> str:
        """Where a fine-tuning in progress is kept (a session may end mid-way); removed once its part is kept."""
        return part(a.out, f'{"fold-" + without if without else "encoder"}.snapshot')

    def drop_snapshot(without: str | None) -> None:
        if os.path.exists(snapshot_of(without)):
            os.remove(snapshot_of(without))

    # Shipped encoder: fine-tuned with every real subject. Each fine-tuning's result is kept in the run folder's parts/
    # as soon as it exists, so a run longer than a session goes on where it stopped (same arguments, same --out).
    spent = 0.0   # seconds of the parts earlier sessions did
    sig = {k: getattr(a, k) for k in ('seed', 'resume', 'resumed_steps', 'pretrain_minutes', 'finetune_minutes', 'finetune_steps', 'head_steps',
                                      'head_real_share', 'views', 'mirror', 'heads')}
    if a.context:   # only then: the parts of runs made before the option existed keep their arguments
        sig['context'] = True
    kept_enc = part(a.out, 'encoder')
    p = None if a.pretrain_minutes else kept_part(kept_enc, sig)   # a pre-training by minutes is not repeatable: no parts
    if p:
        enc.load_state_dict(p['encoder'])
        ft_steps, ft_minutes, spent = p['steps'], p['minutes'], spent + p['seconds']
        print(f'fine-tuned encoder from {kept_enc} ({ft_steps} steps)', flush=True)
    else:
        t_ft = time.time() - snapshot_seconds(snapshot_of(None))
        enc, ft_steps = tuned(None)
        ft_minutes = a.finetune_minutes if not a.finetune_steps else round((time.time() - t_ft) / 60, 1)
        if not a.pretrain_minutes:
            keep_part(kept_enc, {'args': sig, 'encoder': enc.state_dict(), 'steps': ft_steps, 'minutes': ft_minutes, 'seconds': time.time() - t_ft})
            drop_snapshot(None)
    emb = lambda e, scans, views: embed(e, scans, views, a.seed)
    e_train, e_fusion, e_val = emb(enc, train_ph, a.views), emb(enc, fusion_ph, 1), emb(enc, val_ph, 1)
    e_real, e_masked = emb(enc, real_scans, a.views), emb(enc, masked, a.views)
    mir = (lambda e, scans: embed_mirrored(e, scans, a.seed)) if a.mirror else (lambda e, scans: None)
    m_train, m_fusion, m_val = mir(enc, train_ph), mir(enc, fusion_ph), mir(enc, val_ph)

    # Shipped head: phantoms + every real mask + the mask-driven phantoms.
    head = train_head(e_train + e_real + e_masked, train_ph + real_scans + masked, a.head_steps, a.seed, real_share=a.head_real_share, heads=a.heads)
    phi_data = outputs_of(head, e_fusion, fusion_ph, mirrored=m_fusion) + crossfit_outputs(e_train, train_ph, a.head_steps, a.seed, m_train, a.heads)
    phi = learn_phi(phi_data)
    shift = {d: shift_phi(d) for d in OFFSETS}
    out_val = outputs_of(head, e_val, val_ph, mirrored=m_val)
    metrics: dict = {'seed': a.seed, 'phi_from': 'fusion phantoms + cross-fitted training phantoms', 'pretrain_steps': pre_steps, 'pretrain_minutes': a.pretrain_minutes + a.resumed_minutes, 'head_steps': a.head_steps,
                     'finetune_minutes': ft_minutes, 'finetune_steps': ft_steps, 'head_real_share': a.head_real_share, 'resumed_from': a.resume, 'mirror': a.mirror, 'heads': a.heads, 'context': a.context,
                     'val_phantoms': {'no_fusion': score(out_val, None), 'fusion_shift': score(out_val, shift), 'fusion_learned': score(out_val, phi),
                                     'fusion_learned_order': score(out_val, phi, order=True)}}
    print(json.dumps(metrics['val_phantoms']), flush=True)

    # Leave one real subject out: encoder fine-tuning and head without that subject (and its mask-driven phantoms).
    loso_out = []
    for subj in LOSO_SUBJECTS:
        kept_fold = part(a.out, f'fold-{subj}')
        p = None if a.pretrain_minutes else kept_part(kept_fold, sig)
        held = [s for s in real_scans if s['subject'] == subj]
        if p:
            # A fold part holds the fold's weights, not its outputs on the real subject: those are recomputed here.
            e_f, h = encoder_of(p['encoder']), head_of(p['head'])
            e_f.load_state_dict(float_state(p['encoder']))
            h.load_state_dict(float_state(p['head']))
            out = outputs_of(h.eval(), emb(e_f.eval(), held, 1), held, mirrored=mir(e_f, held))
            loso_out += out
            spent += p['seconds']
            print(f'LOSO {subj} from {kept_fold}: {score(out, phi)}', flush=True)
            continue
        t_fold = time.time() - snapshot_seconds(snapshot_of(subj))
        e_f, _ = tuned(subj)
        if e_f is not enc:
            e_f = half_rounded(e_f)
        keep = [s for s in real_scans if s['subject'] != subj]
        keep_m = [s for s in masked if s['subject'] != subj]
        if e_f is enc:
            pick = lambda sub, full, e: [e[next(i for i, y in enumerate(full) if y is x)] for x in sub]
            ek, ekm, eh, et = pick(keep, real_scans, e_real), pick(keep_m, masked, e_masked), pick(held, real_scans, e_real), e_train
        else:
            ek, ekm, eh, et = emb(e_f, keep, a.views), emb(e_f, keep_m, a.views), emb(e_f, held, 1), emb(e_f, train_ph, a.views)
        h = half_rounded(train_head(et + ek + ekm, train_ph + keep + keep_m, a.head_steps, a.seed, real_share=a.head_real_share, heads=a.heads))
        out = outputs_of(h, eh, held, mirrored=mir(e_f, held))
        loso_out += out
        if not a.pretrain_minutes:
            # Not fine-tuned per fold (e_f is the run's encoder, unrounded): its weights as they are.
            keep_part(kept_fold, {'args': sig, 'encoder': e_f.state_dict() if e_f is enc else half_state(e_f), 'head': half_state(h),
                                  'seconds': time.time() - t_fold})
            drop_snapshot(subj)
        print(f'LOSO {subj}: {score(out, phi)} ({time.time() - t_fold:.0f} s)', flush=True)
    metrics['real_loso'] = {'subjects': list(LOSO_SUBJECTS), 'no_fusion': score(loso_out, None), 'fusion_shift': score(loso_out, shift),
                            'fusion_learned': score(loso_out, phi), 'fusion_learned_order': score(loso_out, phi, order=True)}
    print(json.dumps(metrics['real_loso']), flush=True)

    # Table 3 ablation on the validation phantoms (heads trained on phantoms only, same budget).
    ab = {}
    kept = json.load(open(a.keep_baselines))['ablation_val_phantoms'] if a.keep_baselines else {}
    for field, name in (('ct', 'raw CT crop'), ('masks', 'mask input')):
        if name in kept:
            ab[name] = {**kept[name], 'reused_from': a.keep_baselines}
            continue
        e2, h2, st = train_end_to_end(train_ph, field, a.baseline_minutes, a.seed)
        ab[name] = {**score(outputs_of(h2, embed(e2, val_ph, 1, a.seed, field), val_ph), None), 'steps': st}
    h_ph = train_head(e_train, train_ph, a.head_steps, a.seed, heads=a.heads)
    o_ph = outputs_of(h_ph, e_val, val_ph, mirrored=m_val)
    ab['+ contrastive pre-training'] = score(o_ph, None)
    ab['+ message fusion'] = score(o_ph, phi)
    ab['+ sequence decoding (ours)'] = score(o_ph, phi, order=True)
    metrics['ablation_val_phantoms'] = ab
    metrics['seconds'] = round(time.time() - t0 + spent)
    print(json.dumps(ab), flush=True)

    torch.save({'encoder': enc.state_dict(), 'head': head.state_dict()}, os.path.join(a.out, 'identifier.pt'))
    with open(os.path.join(a.out, 'fusion.json'), 'w') as f:
        json.dump({'classes': CLASSES, 'offsets': {str(d): phi[d].flatten().tolist() for d in OFFSETS},
                   'about': 'φ_d row-major K×K: row = neighbour class, column = my class; learned from the shift prior'}, f)
    # Every scored output, so a change to φ's learning or to the fusion can be re-scored on the real folds without re-running them.
    torch.save({'phi_data': phi_data, 'val_phantoms': out_val, 'real_loso': loso_out, 'ablation_head_val': o_ph}, os.path.join(a.out, 'outputs.pt'))
    np.save(os.path.join(a.out, 'embeddings.npy'), torch.cat([e[0] for e in e_val]).numpy())
    np.save(os.path.join(a.out, 'embedding_levels.npy'), np.concatenate([s['levels'] for s in val_ph]))
    with open(os.path.join(a.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)


if __name__ == '__main__':
    main()
