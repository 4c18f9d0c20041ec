"""Builds the sample cache of every stage in one go (phantoms, mask-driven phantoms of the training
subjects, real cases), so the training scripts start from cached arrays:

  /usr/bin/python3 -m training.data.prepare --train-phantoms 120 --masked-per-subject 3
"""
from __future__ import annotations

import argparse
import time

from .dataset import DET_SPEC, SPEC, build, real, real_subjects
from .split import val_phantom_seeds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument('--train-phantoms', type=int, default=120)
    ap.add_argument('--masked-per-subject', type=int, default=3)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--detector', action='store_true', help="the detector's samples (whole-vertebra boxes)")
    a = ap.parse_args()
    spec = DET_SPEC if a.detector else SPEC
    t0 = time.time()
    for c in real_subjects():
        real(c, spec)
    print(f'real cases ({time.time() - t0:.0f} s)', flush=True)
    build(val_phantom_seeds(), workers=a.workers, spec=spec)
    print(f'validation phantoms ({time.time() - t0:.0f} s)', flush=True)
    masked = [(c, 7000 + k) for c in real_subjects('train') for k in range(a.masked_per_subject)]
    build(list(range(a.train_phantoms)), masked, workers=a.workers, spec=spec)
    print(f'training phantoms + {len(masked)} mask-driven ({time.time() - t0:.0f} s)', flush=True)


if __name__ == '__main__':
    main()
