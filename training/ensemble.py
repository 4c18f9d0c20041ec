"""Several full identifier runs as one identifier: their probabilities averaged per vertebra, φ learned on the
averaged φ data, scored from what each run saved (outputs.pt), and one encoder and one head file for the app
(models/identifier.Members, MemberHeads: embeddings side by side, the log of the members' mean softmax).

  /usr/bin/python3 -m training.ensemble --runs training/checkpoints/identifier-R8 training/out/identifier-R9 --out training/out/identifier-ensemble
  /usr/bin/python3 -m training.ship --identifier training/out/identifier-ensemble

Every member's leave-one-subject-out fold was trained without its subject, so the averaged folds are as clean a
measure of the ensemble as one run's are of it. The members must agree on mirror averaging (one app setting); runs with
and without the context channel mix (the app then feeds the context, which the mask-only members give zero weight).
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
import torch

from . import train_identifier as T
from .fusion import OFFSETS, shift_phi
from .models.identifier import CLASSES, MemberHeads, Members, encoder_of, head_of, input_channels, widened

SCORED = ('val_phantoms', 'real_loso', 'ablation_head_val')


def averaged(*runs: list) -> list:
    """Per scan, the mean of several identifiers' probabilities and the entropy of that mean."""
    if not all(len(r) == len(runs[0]) and all(np.array_equal(x[2], y[2]) for x, y in zip(runs[0], r)) for r in runs):
        raise ValueError('the runs were scored on different vertebrae')
    return [(*T.with_entropy(sum(o[0] for o in scan) / len(runs)), scan[0][2]) for scan in zip(*runs)]


def rows(out: list, phi: dict) -> dict:
    """The four rows a run reports: alone, fusion with the shift prior, with the learned φ, and with sequence decoding."""
    shift = {d: shift_phi(d) for d in OFFSETS}
    return {'no_fusion': T.score(out, None), 'fusion_shift': T.score(out, shift), 'fusion_learned': T.score(out, phi),
            'fusion_learned_order': T.score(out, phi, order=True)}


def combined_outputs(runs: list[dict]) -> dict:
    """Each saved output list averaged over the runs."""
    return {key: averaged(*(r[key] for r in runs)) for key in ('phi_data', *SCORED)}


def model(states: list[dict]) -> dict:
    """One identifier.pt state of the members' encoders and heads. Members that read the mask alone are widened to the
    context channel with zero weights on it (`widened`: the same outputs), so one input serves every member."""
    c = max(input_channels(s['encoder']) for s in states)
    states = [{**s, 'encoder': widened(s['encoder'], c)} for s in states]
    enc = Members([encoder_of(s['encoder']) for s in states])
    head = MemberHeads([head_of(s['head']) for s in states])
    for e, h, s in zip(enc.members, head.members, states):
        e.load_state_dict(s['encoder'])
        h.load_state_dict(s['head'])
    return {'encoder': enc.state_dict(), 'head': head.state_dict()}


def metrics_of(folders: list[str], members: list[dict], out: dict, phi: dict, seconds: float) -> dict:
    """The first member's recipe fields (models_report describes the recipe from them), the ensemble's scores, and each
    member's own figures."""
    first = members[0]
    ab = dict(first['ablation_val_phantoms'])
    ab['+ contrastive pre-training'] = T.score(out['ablation_head_val'], None)
    ab['+ message fusion'] = T.score(out['ablation_head_val'], phi)
    ab['+ sequence decoding (ours)'] = T.score(out['ablation_head_val'], phi, order=True)
    return {**first, 'context': any(m.get('context') for m in members), 'val_phantoms': rows(out['val_phantoms'], phi), 'real_loso': {'subjects': first['real_loso']['subjects'], **rows(out['real_loso'], phi)},
            'ablation_val_phantoms': ab, 'phi_from': 'the members\' φ data averaged',
            'members': [{'run': f, 'seed': m['seed'], 'heads': m.get('heads', 1), 'seconds': m['seconds'], 'context': bool(m.get('context')),
                         'val_phantoms_fusion': m['val_phantoms']['fusion_learned']['top1'], 'real_loso_fusion': m['real_loso']['fusion_learned']['top1']}
                        for f, m in zip(folders, members)],
            'seconds': round(sum(m['seconds'] for m in members) + seconds)}


def build_ensemble(folders: list[str], out_dir: str) -> dict:
    t0 = time.time()
    members = [json.load(open(os.path.join(f, 'metrics.json'))) for f in folders]
    if len({bool(m.get('mirror')) for m in members}) > 1:
        raise ValueError('the runs disagree on mirror averaging; the app applies one setting to every member')
    runs = [torch.load(os.path.join(f, 'outputs.pt')) for f in folders]
    out = combined_outputs(runs)
    phi = T.learn_phi(out['phi_data'])
    metrics = metrics_of(folders, members, out, phi, time.time() - t0)
    os.makedirs(out_dir, exist_ok=True)
    torch.save(model([torch.load(os.path.join(f, 'identifier.pt')) for f in folders]), os.path.join(out_dir, 'identifier.pt'))
    with open(os.path.join(out_dir, 'fusion.json'), 'w') as f:
        json.dump({'classes': CLASSES, 'offsets': {str(d): phi[d].flatten().tolist() for d in OFFSETS},
                   'about': 'φ_d row-major K×K: row = neighbour class, column = my class; learned from the shift prior on an ensemble\'s outputs'}, f)
    torch.save(out, os.path.join(out_dir, 'outputs.pt'))
    emb = [os.path.join(f, 'embeddings.npy') for f in folders]
    if all(os.path.exists(p) for p in emb):   # the validation vertebrae's embeddings side by side, as the app's encoder gives them
        np.save(os.path.join(out_dir, 'embeddings.npy'), np.concatenate([np.load(p) for p in emb], 1))
        np.save(os.path.join(out_dir, 'embedding_levels.npy'), np.load(os.path.join(folders[0], 'embedding_levels.npy')))
    with open(os.path.join(out_dir, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)
    return metrics


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', nargs='+', required=True, help='identifier run folders, each with identifier.pt, outputs.pt, metrics.json')
    ap.add_argument('--out', default='training/out/identifier-ensemble')
    a = ap.parse_args()
    torch.set_num_threads(2)
    m = build_ensemble(a.runs, a.out)
    for key in ('val_phantoms', 'real_loso'):
        r = m[key]
        print(f"{key}: alone {r['no_fusion']['top1']:.4f}, fusion {r['fusion_learned']['top1']:.4f}, + order {r['fusion_learned_order']['top1']:.4f}")


if __name__ == '__main__':
    main()
