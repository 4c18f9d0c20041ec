#!/bin/sh
# Every model of public/models, one pass each, in order, from an empty cache (this machine: ≈ 100 min).
# The shipped weights had longer, resumed runs (public/models/MODELS.md). Logs in training/out/.
set -e
cd "$(dirname "$0")/.."
mkdir -p training/out
PY=/usr/bin/python3
$PY -m training.data.prepare --train-phantoms 120 --masked-per-subject 3 > training/out/prepare.log 2>&1
$PY -m training.data.prepare --detector --train-phantoms 120 --masked-per-subject 3 > training/out/prepare-det.log 2>&1
$PY -m training.train_detector --minutes ${DET_MIN:-15} > training/out/detector.log 2>&1
$PY -m training.train_segmenter --minutes ${SEG_MIN:-10} --train-phantoms 120 --masked-per-subject 3 ${SEG_RESUME:+--resume $SEG_RESUME} > training/out/segmenter.log 2>&1
$PY -m training.train_identifier --pretrain-minutes ${ID_MIN:-10} --baseline-minutes ${BASE_MIN:-3} > training/out/identifier.log 2>&1
$PY -m training.ship > training/out/ship.log 2>&1
