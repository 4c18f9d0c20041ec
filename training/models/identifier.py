"""Stage 3: identifier = encoder (mask crop → embedding, run once per vertebra) + head (embedding
× explicit dropout mask → 24 logits, run on N masks in one batch for MC dropout; ORT deletes
Dropout nodes, so the mask is an input drawn in TS, src/core/stages/mcDropout.ts).

Encoder input  mask       [N, 1, S, S, S]  binary mask of one vertebra, centred; S % 16 == 0
        output embedding  [N, E]
Head    input  embedding  [N, E], dropout [N, E] (0 or 1/(1−p))
        output logits     [N, 24]"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .blocks import conv

CLASSES = 24


class Encoder(nn.Module):
    def __init__(self, width: int = 16, embedding: int = 128):
        super().__init__()
        w = width
        self.features = nn.Sequential(conv(3, 1, w, 2), conv(3, w, 2 * w, 2), conv(3, 2 * w, 4 * w, 2), conv(3, 4 * w, 8 * w, 2), conv(3, 8 * w, 8 * w))
        self.fc = nn.Linear(8 * w, embedding)

    def forward(self, mask: torch.Tensor) -> torch.Tensor:
        x = self.features(mask).mean(dim=(2, 3, 4))
        return self.fc(x)


class Head(nn.Module):
    def __init__(self, embedding: int = 128, hidden: int = 64):
        super().__init__()
        self.fc1 = nn.Linear(embedding, hidden)
        self.fc2 = nn.Linear(hidden, CLASSES)

    def forward(self, embedding: torch.Tensor, dropout: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(embedding * dropout)))


class Heads(nn.Module):
    """K heads trained apart (seeds), one model: each sees the same dropout mask and the output is the log of
    their mean softmax, so the app's softmax of it is the heads' mean probability and nothing in TS changes."""
    def __init__(self, heads: list[Head]):
        super().__init__()
        self.heads = nn.ModuleList(heads)

    def forward(self, embedding: torch.Tensor, dropout: torch.Tensor) -> torch.Tensor:
        p = torch.stack([h(embedding, dropout).softmax(1) for h in self.heads]).mean(0)
        return p.clamp(min=1e-12).log()


def head_of(state: dict[str, torch.Tensor]) -> Head | Heads:
    """A fresh head shaped as a saved state dict: one Head, or Heads of as many as it holds."""
    k = len({name.split('.')[1] for name in state if name.startswith('heads.')})
    return Heads([Head() for _ in range(k)]) if k else Head()


def project(embedding: torch.Tensor) -> torch.Tensor:
    """The unit-sphere projection the supervised contrastive loss works on."""
    return F.normalize(embedding, dim=1)
