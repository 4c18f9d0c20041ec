"""Message fusion (Eq. 7) in torch, the same rule as src/core/fusion.ts (distances in sequence
steps), differentiable in φ so the per-offset matrices can be learned; plus the anatomical prior."""
from __future__ import annotations

import math

import torch

K = 24
OFFSETS = (-3, -2, -1, 1, 2, 3)


def shift_phi(d: int, k: int = K) -> torch.Tensor:
    """Neighbour at offset d is class c ⇒ I am class c − d (row c, column c − d)."""
    m = torch.zeros(k, k)
    for c in range(k):
        if 0 <= c - d < k:
            m[c, c - d] = 1
    return m


def fuse(p: torch.Tensor, h: torch.Tensor, phi: dict[int, torch.Tensor], hops: int = 3, theta: float = 0.1,
         neighbours: int = 7, weighting: str = 'certainty') -> torch.Tensor:
    """p [n, K] probabilities in spine order, h [n] entropies → fused [n, K]."""
    n, k = p.shape
    if hops <= 0 or n < 2 or neighbours < 2:
        return p
    half = (neighbours - 1) // 2
    w = (1 - h / math.log(k)).clamp(min=0) if weighting == 'certainty' else h
    cur = p
    for _ in range(hops):
        msg = torch.zeros_like(cur)
        for d in range(-half, half + 1):
            if d == 0 or d not in phi or abs(d) >= n:
                continue
            # Vertebra i hears j = i + d; rows i where j is in range.
            lo, hi = max(0, -d), min(n, n - d)
            vote = (w[lo + d:hi + d, None] / abs(d)) * (cur[lo + d:hi + d] @ phi[d])
            msg = msg + torch.nn.functional.pad(vote, (0, 0, lo, n - hi))
        nxt = cur + theta * msg
        cur = nxt / nxt.sum(1, keepdim=True)
    return cur
