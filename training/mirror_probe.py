"""Mirror averaging, probed on the shipped identifier (no retraining of encoder or head): each vertebra's MC-dropout
probabilities averaged with those of its left–right mirrored mask crop, φ re-learned on such outputs as shipped
(1000 steps, held-out + cross-fitted phantoms), scored on the validation phantoms. The leave-one-subject-out folds
need their own encoders, so only a full run (`train_identifier --mirror`) measures the real masks.

  /usr/bin/python3 -m training.recover   # training/out/identifier from the shipped ONNX
  /usr/bin/python3 -m training.mirror_probe
"""
from __future__ import annotations

import time

import torch

from . import train_identifier as T
from .data.dataset import build
from .data.split import val_phantom_seeds
from .models.identifier import Encoder, Head


def main() -> None:
    torch.set_num_threads(2)
    t0 = time.time()
    state = torch.load('training/out/identifier/identifier.pt')
    enc, head = Encoder(), Head()
    enc.load_state_dict(state['encoder'])
    head.load_state_dict(state['head'])
    enc.eval(), head.eval()
    train_ph = T.scans_of(build(list(T.HEAD_PHANTOMS)), 'phantom', 'phantom')
    fusion_ph = T.scans_of(build(list(T.FUSION_PHANTOMS)), 'phantom', 'phantom')
    val_ph = T.scans_of(build(val_phantom_seeds()), 'phantom', 'phantom')
    e_train, e_fus, e_val = T.embed(enc, train_ph, 6, 0), T.embed(enc, fusion_ph, 1, 0), T.embed(enc, val_ph, 1, 0)
    m_train, m_fus, m_val = (T.embed_mirrored(enc, s, 0) for s in (train_ph, fusion_ph, val_ph))
    for name, mir in (('plain (as shipped)', None), ('mirror-averaged', (m_train, m_fus, m_val))):
        phi = T.learn_phi(T.outputs_of(head, e_fus, fusion_ph, mirrored=mir and mir[1]) + T.crossfit_outputs(e_train, train_ph, 1500, 0, mir and mir[0]))
        out = T.outputs_of(head, e_val, val_ph, mirrored=mir and mir[2])
        r0, r1, r2 = T.score(out, None), T.score(out, phi), T.score(out, phi, order=True)
        print(f"{name}: alone {r0['top1']:.4f} (T {r0['T']['top1']:.3f}), fusion {r1['top1']:.4f} (T {r1['T']['top1']:.3f}), "
              f"+ sequence decoding {r2['top1']:.4f} ({time.time() - t0:.0f} s)", flush=True)


if __name__ == '__main__':
    main()
