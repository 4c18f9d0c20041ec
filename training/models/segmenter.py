"""Stage 2: a small 3D U-Net that segments the vertebra at the centre of its input cube.

Input  input [N, 2, S, S, S]  channel 0: CT normalised by the manifest's window; channel 1: Gaussian
                              heatmap at the candidate centre (src/core/stages/segCrop.ts); S % 8 == 0
Output prob  [N, 1, S, S, S]  probability that a voxel belongs to the centred vertebra

The U-Net works at half resolution (a strided stem: a quarter of the cost) and its logits are
upsampled; a thin full-resolution refinement then corrects them from the CT itself. Why: a mask
that only exists at 4 mm cannot outline a 2 mm mask well — down- and up-sampling the *true* masks of
the validation crops caps Dice at ≈ 0.89 on phantoms (small cervical vertebrae: 0.85), which is where
the half-resolution network had stopped (0.875).

A deeper full-resolution stage (`sharpen`, three convs, 7³ voxels of view) can follow; it too starts
as a no-op, so it trains on top of a finished model. Tried once (MODELS.md) and not shipped: it left
Dice where it was, since nearly all wrong voxels lie on the true mask's boundary, where the 2 mm grid
and its nearest-neighbour labels, not capacity, decide."""
from __future__ import annotations

import torch
from torch import nn

from .blocks import Up, conv

REFINE_FEATURES = 4   # half-resolution features handed to the refinement
REFINE_WIDTH = 8
REFINE_INPUTS = 1 + REFINE_FEATURES + 2   # a logit, the upsampled features, the input's two channels


class Segmenter(nn.Module):
    def __init__(self, width: int = 16, sharpen: int = 0):
        """`sharpen`: width of the full-resolution sharpening stage (0: none, the models up to 2026-11-28.4)."""
        super().__init__()
        w = width
        self.stem = nn.Sequential(conv(3, 2, w, 2), conv(3, w, w))
        self.down1 = nn.Sequential(conv(3, w, 2 * w, 2), conv(3, 2 * w, 2 * w))
        self.down2 = nn.Sequential(conv(3, 2 * w, 4 * w, 2), conv(3, 4 * w, 4 * w))
        self.up1 = Up(3, 4 * w, 2 * w, 2 * w)
        self.up0 = Up(3, 2 * w, w, w)
        self.head = nn.Conv3d(w, 1, 1)
        self.final = nn.Upsample(scale_factor=2, mode='trilinear', align_corners=False)
        # Full resolution: coarse logit + a few upsampled features + the input → a residual logit.
        self.squeeze = nn.Conv3d(w, REFINE_FEATURES, 1)
        self.refine = nn.Sequential(conv(3, REFINE_INPUTS, REFINE_WIDTH), nn.Conv3d(REFINE_WIDTH, 1, 1))
        nn.init.zeros_(self.refine[1].weight)   # starts as the plain U-Net (so its weights carry over)
        nn.init.zeros_(self.refine[1].bias)
        self.sharpen = None
        if sharpen:
            self.sharpen = nn.Sequential(conv(3, REFINE_INPUTS, sharpen), conv(3, sharpen, sharpen), conv(3, sharpen, sharpen),
                                         nn.Conv3d(sharpen, 1, 1))
            nn.init.zeros_(self.sharpen[3].weight)
            nn.init.zeros_(self.sharpen[3].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f1 = self.stem(x)
        f2 = self.down1(f1)
        f3 = self.down2(f2)
        y = self.up0(self.up1(f3, f2), f1)
        coarse = self.final(self.head(y))
        features = self.final(self.squeeze(y))
        logit = coarse + self.refine(torch.cat([coarse, features, x], dim=1))
        if self.sharpen is not None:
            logit = logit + self.sharpen(torch.cat([logit, features, x], dim=1))
        return torch.sigmoid(logit)


def sharpen_width(state: dict) -> int:
    """The sharpening stage's width in a state dict (0 where it has none)."""
    w = state.get('sharpen.0.0.weight')
    return 0 if w is None else int(w.shape[0])
