"""Building blocks that export to ONNX ops every onnxruntime-web backend runs (see
../shared/DESIGN.md): Conv + BatchNorm (folds into Conv) + ReLU, strided convs instead of max
pooling, nearest/trilinear Resize + Conv instead of ConvTranspose."""
from __future__ import annotations

import torch
from torch import nn


def conv(dim: int, cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    Conv = nn.Conv2d if dim == 2 else nn.Conv3d
    Norm = nn.BatchNorm2d if dim == 2 else nn.BatchNorm3d
    return nn.Sequential(Conv(cin, cout, 3, stride=stride, padding=1, bias=False), Norm(cout), nn.ReLU(inplace=True))


class Up(nn.Module):
    """×2 upsampling (Resize) of `x`, concatenated with the skip features, then a conv."""

    def __init__(self, dim: int, cin: int, cskip: int, cout: int):
        super().__init__()
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.conv = conv(dim, cin + cskip, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.cat([self.up(x), skip], dim=1))
