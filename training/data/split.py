"""The fixed train/validation split (split.json), by patient."""
from __future__ import annotations

import json
import os

with open(os.path.join(os.path.dirname(__file__), 'split.json')) as f:
    SPLIT = json.load(f)


def real_split(subject: str) -> str:
    """'train' or 'val' for a real subject (e.g. 'sub-verse008'); unknown subjects are refused."""
    for part in ('train', 'val'):
        if subject in SPLIT['real'][part]:
            return part
    raise KeyError(f'subject {subject} is not in training/data/split.json; add it to one side')


def phantom_split(seed: int) -> str:
    for part in ('train', 'val'):
        lo, hi = SPLIT['phantom_seeds'][part]
        if lo <= seed < hi:
            return part
    raise KeyError(f'phantom seed {seed} is outside both ranges in split.json')


def val_phantom_seeds() -> list[int]:
    lo, hi = SPLIT['phantom_seeds']['val']
    return list(range(lo, hi))
