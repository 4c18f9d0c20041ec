"""Rebuilds trainable PyTorch checkpoints from the shipped ONNX files, for a machine where the runs'
folders (training/out/, not committed) are gone, so that training can resume from the shipped
weights instead of from nothing.

The export folded each BatchNorm into the conv before it, so its statistics are lost: a recovered
conv holds the folded weight, and its BatchNorm becomes the identity plus the folded bias (weight 1,
running mean 0, running variance 1 − eps). In eval mode that is exactly the shipped network, and it
exports back to the same ONNX graph (checked by `verify`). Resumed training should keep these
BatchNorms frozen (`freeze_batchnorm`): in train mode they would normalise by batch statistics and
change the function the weights were fitted to.

  /usr/bin/python3 -m training.recover            # writes training/out/{detector,segmenter,identifier}/
"""
from __future__ import annotations

import json
import os
import shutil

import numpy as np
import onnx
import torch
from onnx import numpy_helper
from torch import nn

from .models.detector import Detector
from .models.identifier import encoder_of, head_of
from .models.segmenter import REFINE_INPUTS, Segmenter

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), '..'))
MODELS = os.path.join(ROOT, 'public', 'models')
OUT = os.path.join(ROOT, 'training', 'out')
CONVS = (nn.Conv2d, nn.Conv3d)
NORMS = (nn.BatchNorm2d, nn.BatchNorm3d)


def _conv_calls(model: nn.Module, inputs: tuple[torch.Tensor, ...]) -> list[nn.Module]:
    """The model's convs in the order a forward pass calls them: the order the exporter writes Conv nodes."""
    calls: list[nn.Module] = []
    hooks = [m.register_forward_hook(lambda m, i, o: calls.append(m)) for m in model.modules() if isinstance(m, CONVS)]
    with torch.no_grad():
        model.eval()(*inputs)
    for h in hooks:
        h.remove()
    return calls


def _norm_after(model: nn.Module) -> dict[nn.Module, nn.Module]:
    """conv → the BatchNorm right after it in a Sequential (blocks.conv)."""
    after: dict[nn.Module, nn.Module] = {}
    for m in model.modules():
        if isinstance(m, nn.Sequential):
            kids = list(m)
            for a, b in zip(kids, kids[1:]):
                if isinstance(a, CONVS) and isinstance(b, NORMS):
                    after[a] = b
    return after


def load_onnx(model: nn.Module, path: str, inputs: tuple[torch.Tensor, ...]) -> nn.Module:
    """`model` (fresh, same architecture) with the weights of the ONNX file at `path`."""
    graph = onnx.load(path).graph
    init = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in graph.initializer}
    nodes = [n for n in graph.node if n.op_type == 'Conv']
    calls = _conv_calls(model, inputs)
    if len(nodes) != len(calls):
        raise ValueError(f'{path}: {len(nodes)} Conv nodes, the model calls {len(calls)} convs')
    after = _norm_after(model)
    used: set[str] = set()   # initializer names taken
    filled: set[int] = set()  # ids of the parameters set

    def put(p: torch.Tensor, t: torch.Tensor) -> None:
        p.copy_(t)
        filled.add(id(p))

    with torch.no_grad():
        for node, conv in zip(nodes, calls):
            w = init[node.input[1]]
            b = init[node.input[2]] if len(node.input) > 2 else torch.zeros(w.shape[0])
            if w.shape != conv.weight.shape:
                raise ValueError(f'{path}: Conv {node.name} has weights {tuple(w.shape)}, the model {tuple(conv.weight.shape)}')
            put(conv.weight, w)
            norm = after.get(conv)
            if norm is not None:
                put(norm.weight, torch.ones_like(norm.weight))
                put(norm.bias, b)
                norm.running_mean.zero_()
                norm.running_var.fill_(1.0 - norm.eps)
            elif conv.bias is not None:
                put(conv.bias, b)
            elif b.abs().max() > 0:
                raise ValueError(f'{path}: Conv {node.name} has a bias the model has no place for')
            used.update(node.input[1:])
        # What was not folded keeps its name (the Linear layers).
        for name, p in model.named_parameters():
            if name in init and name not in used:
                if p.shape != init[name].shape:
                    raise ValueError(f'{path}: {name} has shape {tuple(init[name].shape)}, the model {tuple(p.shape)}')
                put(p, init[name])
    missing = [n for n, p in model.named_parameters() if id(p) not in filled]
    if missing:
        raise ValueError(f'{path}: no weights for {missing}')
    return model.eval()


def freeze_batchnorm(model: nn.Module) -> nn.Module:
    """BatchNorms in eval mode with fixed affine parameters (call after each model.train())."""
    for m in model.modules():
        if isinstance(m, NORMS):
            m.eval()
            for p in m.parameters():
                p.requires_grad_(False)
    return model


MARKER = 'RECOVERED'


def load_checkpoint(path: str, out: str):
    """A .pt of an earlier run, and whether its BatchNorms must stay frozen: it was recovered from
    the ONNX files, or trained on from such a one (a RECOVERED file beside it). If so, the run
    folder `out` that continues it is marked the same way."""
    frozen = os.path.exists(os.path.join(os.path.dirname(path), MARKER))
    if frozen:
        print(f'{path}: recovered from the ONNX files; its BatchNorms stay frozen', flush=True)
        mark_frozen(out, f'Continues {path} (recovered): BatchNorms frozen.')
    return torch.load(path), frozen


def train_mode(model: nn.Module, frozen: bool) -> nn.Module:
    """model.train(), with the BatchNorms frozen where the weights came from a recovered checkpoint."""
    model.train()
    return freeze_batchnorm(model) if frozen else model


def mark_frozen(out: str, note: str) -> None:
    """A run folder whose weights continue recovered ones: its BatchNorms are frozen too."""
    with open(os.path.join(out, MARKER), 'w') as f:
        f.write(note + '\n')


def inputs_of(embedding: int = 128, channels: int = 1) -> dict[str, tuple[torch.Tensor, ...]]:
    """Example inputs per model; `embedding`: the encoder's output width (128 per member of an ensemble); `channels`: its
    input's (1, the mask; 2 with the context channel)."""
    from .data.dataset import SPEC
    s, i, e = SPEC.seg_size, SPEC.id_size, embedding
    return {'detector': (torch.zeros(1, 1, 128, 128),), 'segmenter': (torch.zeros(1, 2, s, s, s),),
            'encoder': (torch.zeros(1, channels, i, i, i),), 'head': (torch.zeros(1, e), torch.ones(1, e))}


def segmenter_of(path: str) -> Segmenter:
    """A fresh segmenter shaped as the ONNX file's: with a sharpening stage where a second conv reads
    the refinement's REFINE_INPUTS channels (its width is that conv's)."""
    graph = onnx.load(path).graph
    shapes = {i.name: tuple(i.dims) for i in graph.initializer}
    reads = [shapes[n.input[1]] for n in graph.node if n.op_type == 'Conv' and shapes[n.input[1]][1] == REFINE_INPUTS]
    return Segmenter(sharpen=reads[1][0] if len(reads) > 1 else 0)


def weight_names(path: str) -> dict[str, None]:
    return {i.name: None for i in onnx.load(path).graph.initializer}


def head_from(path: str) -> nn.Module:
    """A fresh head shaped as the ONNX file's: one head, as many averaged as it names (`heads.K.…`), or an ensemble's."""
    return head_of(weight_names(path))


def embedding_width(models: str = MODELS) -> int:
    """The encoder file's output width: 128, times the members of an ensemble."""
    return 128 * max(1, len({n.split('.')[1] for n in weight_names(os.path.join(models, 'encoder.onnx')) if n.startswith('members.')}))


def input_channels_of(path: str) -> int:
    """Channels of an ONNX file's first input ([batch, C, …])."""
    return onnx.load(path).graph.input[0].type.tensor_type.shape.dim[1].dim_value


def recover_all(models: str = MODELS) -> dict[str, nn.Module]:
    c = input_channels_of(os.path.join(models, 'encoder.onnx'))
    inp = inputs_of(embedding_width(models), c)
    fresh = {'detector': Detector(), 'segmenter': segmenter_of(os.path.join(models, 'segmenter.onnx')),
             'encoder': encoder_of(weight_names(os.path.join(models, 'encoder.onnx')), c),
             'head': head_from(os.path.join(models, 'head.onnx'))}
    return {k: load_onnx(m, os.path.join(models, f'{k}.onnx'), inp[k]) for k, m in fresh.items()}


def verify(model: nn.Module, path: str, inputs: tuple[torch.Tensor, ...], tmp: str) -> float:
    """Exports the recovered model again; the largest difference to the shipped file's initializers
    (same Conv/Gemm nodes in the same order), which a faithful recovery keeps at float rounding."""
    from .models.export import export
    a = onnx.load(path).graph
    names = [i.name for i in a.input]
    export(model, inputs, names, [o.name for o in a.output], tmp, dynamic_spatial=names == ['image'])
    b = onnx.load(tmp).graph
    if [n.op_type for n in a.node] != [n.op_type for n in b.node]:
        raise ValueError(f'{path}: the recovered model exports a different graph')
    ia = {i.name: numpy_helper.to_array(i) for i in a.initializer}
    ib = {i.name: numpy_helper.to_array(i) for i in b.initializer}
    worst = 0.0
    for na, nb in zip(a.node, b.node):
        for x, y in zip(na.input, nb.input):
            if x in ia and y in ib:
                worst = max(worst, float(np.abs(ia[x].astype(np.float64) - ib[y]).max()) if ia[x].size else 0.0)
    return worst


def main() -> None:
    torch.set_num_threads(2)
    manifest = json.load(open(os.path.join(MODELS, 'manifest.json')))
    models = recover_all()
    inp = inputs_of(embedding_width(), input_channels_of(os.path.join(MODELS, 'encoder.onnx')))
    for k, m in models.items():
        worst = verify(m, os.path.join(MODELS, f'{k}.onnx'), inp[k], os.path.join('/tmp', f'recovered-{k}.onnx'))
        print(f'{k}: re-exported weights differ from the shipped ones by at most {worst:.2e}')
    runs = {'detector': {'detector.pt': models['detector'].state_dict()}, 'segmenter': {'segmenter.pt': models['segmenter'].state_dict()},
            'identifier': {'identifier.pt': {'encoder': models['encoder'].state_dict(), 'head': models['head'].state_dict()}}}
    for run, files in runs.items():
        d = os.path.join(OUT, run)
        os.makedirs(d, exist_ok=True)
        for name, state in files.items():
            torch.save(state, os.path.join(d, name))
        with open(os.path.join(d, 'metrics.json'), 'w') as f:
            json.dump(manifest['metrics'][run], f, indent=1)
        mark_frozen(d, f'Recovered from public/models ({manifest["version"]}) by training/recover.py: BatchNorms folded (kept frozen).')
    shutil.copy(os.path.join(MODELS, 'fusion.json'), os.path.join(OUT, 'identifier', 'fusion.json'))
    print(f'wrote {OUT}/{{detector,segmenter,identifier}} from models {manifest["version"]}')


if __name__ == '__main__':
    main()
