"""Stage 2: a small 3D U-Net that segments the vertebra at the centre of its input cube.

Input  input [N, 2, S, S, S]  channel 0: CT normalised by the manifest's window; channel 1: Gaussian
                              heatmap at the candidate centre (src/core/stages/segCrop.ts); S % 8 == 0
Output prob  [N, 1, S, S, S]  probability that a voxel belongs to the centred vertebra
Works at half resolution inside (a strided stem) and upsamples at the end: a quarter of the cost."""
from __future__ import annotations

import torch
from torch import nn

from .blocks import Up, conv


class Segmenter(nn.Module):
    def __init__(self, width: int = 16):
        super().__init__()
        w = width
        self.stem = nn.Sequential(conv(3, 2, w, 2), conv(3, w, w))
        self.down1 = nn.Sequential(conv(3, w, 2 * w, 2), conv(3, 2 * w, 2 * w))
        self.down2 = nn.Sequential(conv(3, 2 * w, 4 * w, 2), conv(3, 4 * w, 4 * w))
        self.up1 = Up(3, 4 * w, 2 * w, 2 * w)
        self.up0 = Up(3, 2 * w, w, w)
        self.head = nn.Conv3d(w, 1, 1)
        self.final = nn.Upsample(scale_factor=2, mode='trilinear', align_corners=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f1 = self.stem(x)
        f2 = self.down1(f1)
        f3 = self.down2(f2)
        y = self.up0(self.up1(f3, f2), f1)
        return torch.sigmoid(self.final(self.head(y)))
