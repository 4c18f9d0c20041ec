"""Exports every model architecture (seeded weights, randomised BatchNorm statistics so the graph
is exercised) with reference inputs and PyTorch outputs, for the onnxruntime-web check in
src/runtime/onnxCompat.test.ts. Usage: python3 -m training.models.reference OUTDIR"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

from .detector import Detector
from .export import export
from .identifier import Encoder, Head
from .segmenter import Segmenter


def _randomise_bn(model: torch.nn.Module, g: torch.Generator) -> None:
    for m in model.modules():
        if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.BatchNorm3d)):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)


def cases() -> dict:
    g = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    det, seg, enc, head = Detector(), Segmenter(sharpen=8), Encoder(), Head()
    for m in (det, seg, enc, head):
        _randomise_bn(m, g)
    with torch.no_grad():   # the residual stages start as no-ops: give them weights so their graph counts
        for last in (seg.refine[1], seg.sharpen[3]):
            last.weight.copy_(torch.randn(last.weight.shape, generator=g) * 0.1)
    drop = (torch.rand(3, 128, generator=g) > 0.3).float() / 0.7
    return {
        # Two batch sizes and two slice shapes: the axes are dynamic in the browser too.
        'detector': (det, [(torch.rand(2, 1, 64, 96, generator=g),), (torch.rand(1, 1, 80, 48, generator=g),)], ['image'], ['heat', 'size', 'offset', 'shift'], True),
        'segmenter': (seg, [(torch.rand(2, 2, 32, 32, 32, generator=g),)], ['input'], ['prob'], False),
        'encoder': (enc, [(torch.rand(2, 1, 32, 32, 32, generator=g).round(),)], ['mask'], ['embedding'], False),
        'head': (head, [(torch.randn(3, 128, generator=g), drop)], ['embedding', 'dropout'], ['logits'], False),
    }


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    index = {}
    torch.set_num_threads(2)
    for name, (model, inputs, in_names, out_names, dyn) in cases().items():
        model.eval()
        path = os.path.join(out, f'{name}.onnx')
        export(model, inputs[0], in_names, out_names, path, dynamic_spatial=dyn)
        runs = []
        for r, x in enumerate(inputs):
            with torch.no_grad():
                y = model(*x)
            y = y if isinstance(y, tuple) else (y,)
            run = {'inputs': {}, 'outputs': {}}
            for n, t in zip(in_names, x):
                f = f'{name}-{r}-{n}.bin'
                t.numpy().astype(np.float32).tofile(os.path.join(out, f))
                run['inputs'][n] = {'file': f, 'shape': list(t.shape)}
            for n, t in zip(out_names, y):
                f = f'{name}-{r}-{n}.out.bin'
                t.numpy().astype(np.float32).tofile(os.path.join(out, f))
                run['outputs'][n] = {'file': f, 'shape': list(t.shape)}
            runs.append(run)
        index[name] = {'model': f'{name}.onnx', 'runs': runs}
    with open(os.path.join(out, 'index.json'), 'w') as f:
        json.dump(index, f, indent=1)


if __name__ == '__main__':
    main(sys.argv[1])
