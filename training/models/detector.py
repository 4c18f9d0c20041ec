"""Stage 1: a small anchor-free 2D detector (CenterNet-style) for sagittal and coronal slices.

Input  image  [N, 1, U, V]  slice normalised to [0, 1] by the manifest's HU window; U, V multiples of 16.
Output heat   [N, 1, U/4, V/4]  vertebral-body-centre heatmap (sigmoid applied)
       size   [N, 2, U/4, V/4]  size (U, V) of the whole vertebra's box, input pixels
       offset [N, 2, U/4, V/4]  sub-cell offset of the body centre (U, V), in output cells
       shift  [N, 2, U/4, V/4]  whole-vertebra box centre − body centre (U, V), input pixels
Decoded by src/core/stages/decode.ts (3 × 3 peaks, stride 4).

Why peaks on the body and not on the box centre: a thoracic vertebra's box, spinous process
included, is ~55 mm tall against a ~22 mm pitch, so neighbours' boxes overlap by more than half and
their centres lie on the next vertebra's body; peaks there came out ~7 mm off and stage 1 found
54 % of the vertebrae within 10 mm. Bodies are compact and one pitch apart. The box centre, which
stage 2 is trained around, comes back through `shift`."""
from __future__ import annotations

import torch
from torch import nn

from .blocks import Up, conv

STRIDE = 4


class Detector(nn.Module):
    def __init__(self, width: int = 16):
        super().__init__()
        w = width
        self.s2 = nn.Sequential(conv(2, 1, w, 2), conv(2, w, w))
        self.s4 = nn.Sequential(conv(2, w, 2 * w, 2), conv(2, 2 * w, 2 * w))
        self.s8 = nn.Sequential(conv(2, 2 * w, 4 * w, 2), conv(2, 4 * w, 4 * w))
        self.s16 = nn.Sequential(conv(2, 4 * w, 6 * w, 2), conv(2, 6 * w, 6 * w))
        self.up8 = Up(2, 6 * w, 4 * w, 3 * w)
        self.up4 = Up(2, 3 * w, 2 * w, 2 * w)
        self.heat = nn.Conv2d(2 * w, 1, 1)
        self.size = nn.Conv2d(2 * w, 2, 1)
        self.offset = nn.Conv2d(2 * w, 2, 1)
        self.shift = nn.Conv2d(2 * w, 2, 1)
        nn.init.constant_(self.heat.bias, -2.19)  # start near p = 0.1 (CenterNet's focal-loss prior)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        f2 = self.s2(image)
        f4 = self.s4(f2)
        f8 = self.s8(f4)
        f16 = self.s16(f8)
        x = self.up4(self.up8(f16, f8), f4)
        return torch.sigmoid(self.heat(x)), self.size(x), self.offset(x), self.shift(x)
