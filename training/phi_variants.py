"""How φ is learned, compared on the shipped identifier (no retraining of encoder or head): the validation
phantoms' top-1 with fusion at the paper's settings for each variant. MODELS.md reports the result.

  /usr/bin/python3 -m training.recover   # training/out/identifier from the shipped ONNX
  /usr/bin/python3 -m training.phi_variants            # the ways of learning φ (21 min)
  /usr/bin/python3 -m training.phi_variants --mirror   # outputs averaged with the mirrored crops', φ re-learned (6 min)
  /usr/bin/python3 -m training.phi_variants --ensemble training/out/identifier-R6/identifier.pt   # the shipped identifier's outputs
      averaged with another run's (both plain and both mirror-averaged), φ re-learned
  /usr/bin/python3 -m training.phi_variants --heads 5    # one head against five averaged (phantom-only heads, shipped encoder)

The leave-one-subject-out folds need encoders of their own, so only a full run (`train_identifier [--mirror]`)
measures a variant on the real masks; `training/ensemble.py` scores an ensemble of full runs from what each saved.
"""
from __future__ import annotations

import json
import sys
import time

import torch

from . import train_identifier as T
from .data.dataset import build
from .data.split import val_phantom_seeds
from .ensemble import averaged
from .models.identifier import CLASSES, Encoder, Head, Heads, head_of


def load(path: str) -> tuple[Encoder, Head | Heads]:
    state = torch.load(path)
    enc, head = Encoder(), head_of(state['head'])
    enc.load_state_dict(state['encoder'])
    head.load_state_dict(state['head'])
    return enc.eval(), head.eval()


def member(path: str, phantoms: tuple[list, list, list]) -> dict[bool, tuple[list, list]]:
    """One identifier's φ training data and validation outputs, plain (False) and mirror-averaged (True)."""
    enc, head = load(path)
    emb = (T.embed(enc, phantoms[0], 6, 0), T.embed(enc, phantoms[1], 1, 0), T.embed(enc, phantoms[2], 1, 0))
    return {mirror: T.phantom_outputs(enc, head, phantoms, emb, 1500, 0, mirror) for mirror in (False, True)}


def ensemble(other: str, phantoms: tuple[list, list, list], t0: float) -> None:
    a, b = member('training/out/identifier/identifier.pt', phantoms), member(other, phantoms)
    for mirror in (False, True):
        (fa, va), (fb, vb) = a[mirror], b[mirror]
        for name, fit, val in (('shipped', fa, va), ('other', fb, vb), ('ensemble', averaged(fa, fb), averaged(va, vb))):
            T.scored(f"{'mirror-averaged' if mirror else 'plain'} {name}", fit, val, t0)


def heads(k: int, enc: Encoder, phantoms: tuple[list, list, list], emb: tuple[list, list, list], t0: float) -> None:
    """One head against `k` heads averaged, on the shipped encoder: heads on the training phantoms only (as the ablation's
    rows 3–4), cross-fitted φ data with as many heads, plain and mirror-averaged."""
    for n in (1, k):
        head = T.train_head(emb[0], phantoms[0], 1500, 0, heads=n)
        for mirror in (False, True):
            T.scored(f"{n} head(s), {'mirror-averaged' if mirror else 'plain'}", *T.phantom_outputs(enc, head, phantoms, emb, 1500, 0, mirror, n), t0)


def main() -> None:
    torch.set_num_threads(2)
    t0 = time.time()
    enc, head = load('training/out/identifier/identifier.pt')
    train_ph = T.scans_of(build(list(T.HEAD_PHANTOMS)), 'phantom', 'phantom')
    fusion_ph = T.scans_of(build(list(T.FUSION_PHANTOMS)), 'phantom', 'phantom')
    val_ph = T.scans_of(build(val_phantom_seeds()), 'phantom', 'phantom')
    if '--ensemble' in sys.argv[1:]:
        ensemble(sys.argv[sys.argv.index('--ensemble') + 1], (train_ph, fusion_ph, val_ph), t0)
        return
    e_train, e_fus, e_val = T.embed(enc, train_ph, 6, 0), T.embed(enc, fusion_ph, 1, 0), T.embed(enc, val_ph, 1, 0)
    if '--heads' in sys.argv[1:]:
        heads(int(sys.argv[sys.argv.index('--heads') + 1]), enc, (train_ph, fusion_ph, val_ph), (e_train, e_fus, e_val), t0)
        return
    if '--mirror' in sys.argv[1:]:
        T.plain_and_mirrored(enc, head, (train_ph, fusion_ph, val_ph), (e_train, e_fus, e_val), 1500, 0, t0)
        return
    out_val = T.outputs_of(head, e_val, val_ph)
    shipped = json.load(open('public/models/fusion.json'))
    phi = {int(d): torch.tensor(v).view(CLASSES, CLASSES) for d, v in shipped['offsets'].items()}
    print(f"no fusion {T.score(out_val, None)['top1']:.4f}, shipped φ {T.score(out_val, phi)['top1']:.4f}", flush=True)
    held, cross = T.outputs_of(head, e_fus, fusion_ph), T.crossfit_outputs(e_train, train_ph, 1500, 0)
    for name, data, kw in (('as shipped (1000 steps)', held + cross, {}), ('300 steps', held + cross, {'steps': 300}),
                           ('3000 steps', held + cross, {'steps': 3000}), ('L2 1e-3', held + cross, {'l2': 1e-3}),
                           ('L2 1e-2', held + cross, {'l2': 1e-2}), ('held-out phantoms only', held, {}), ('cross-fitted only', cross, {})):
        r = T.score(out_val, T.learn_phi(data, **kw))
        print(f"{name}: top-1 {r['top1']:.4f}, T {r['T']['top1']:.3f} ({time.time() - t0:.0f} s)", flush=True)


if __name__ == '__main__':
    main()
