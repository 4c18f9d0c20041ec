"""ONNX export (opset 17, dynamic batch) of the three models, with checks that the graph only
uses ops onnxruntime-web runs everywhere."""
from __future__ import annotations

import onnx
import torch

FORBIDDEN = {'ConvTranspose', 'Dropout', 'InstanceNormalization', 'MaxPool'}
OPSET = 17


def export(model: torch.nn.Module, inputs: tuple[torch.Tensor, ...], names: list[str], outputs: list[str], path: str,
           dynamic_spatial: bool = False) -> None:
    model.eval()
    axes = {n: {0: 'batch'} for n in names + outputs}
    if dynamic_spatial:
        for n in names[:1] + outputs:
            axes[n].update({2: 'u', 3: 'v'})
    torch.onnx.export(model, inputs, path, input_names=names, output_names=outputs, dynamic_axes=axes, opset_version=OPSET,
                      do_constant_folding=True)
    graph = onnx.load(path)
    onnx.checker.check_model(graph)
    used = {n.op_type for n in graph.graph.node}
    bad = used & FORBIDDEN
    if bad:
        raise ValueError(f'{path} uses ops the browser cannot run well: {sorted(bad)}')
