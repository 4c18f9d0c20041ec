"""Sequence decoding after fusion, the same dynamic programme as src/core/sequence.ts (labels climb
one level per vertebra unless the measured gap says one was missed; L6 and set-aside states at the
ends). Used to score the shipped pipeline's labelling on held-out identifier outputs; the parity
test `src/core/sequenceParity.test.ts` keeps the two equal."""
from __future__ import annotations

import math

ASIDE = -1
STEP_COST, L6_PRIOR, ASIDE_PRIOR = 3.0, 0.02, 0.05


def decode(f: list[list[float]], steps: list[float] | None = None, step_cost: float = STEP_COST,
           l6_prior: float = L6_PRIOR, aside_prior: float = ASIDE_PRIOR) -> list[int]:
    """Class per vertebra (0…K−1, K for L6, ASIDE), strictly increasing along the chain; `f` fused
    probabilities in spine order, `steps` the gap to the vertebra above in local spacings (1 each)."""
    n = len(f)
    if n == 0:
        return []
    k = len(f[0])
    steps = steps or [1.0] * n
    l6, pre, post = k, k + 1, k + 2
    states = k + 3
    neg = -math.inf

    def logp(i: int, c: int) -> float:
        if c in (pre, post):
            return math.log(aside_prior)
        return math.log(max(l6_prior if c == l6 else f[i][c], 1e-12))

    score = [[neg] * states for _ in range(n)]
    back = [[-1] * states for _ in range(n)]
    for c in range(states):
        if c != post:
            score[0][c] = logp(0, c)
    for i in range(1, n):
        prev = score[i - 1]
        for c in range(states):
            own = logp(i, c)
            best, arg = neg, -1
            if c == pre:
                cands = [(pre, prev[pre])]
            elif c == post:
                cands = [(post, prev[post])] + [(c0, prev[c0]) for c0 in range(l6 + 1)]
            else:
                cands = [(pre, prev[pre])] + [(c0, prev[c0] - step_cost * abs(c - c0 - steps[i])) for c0 in range(c)]
            for c0, s in cands:
                if s > best:
                    best, arg = s, c0
            if arg >= 0 and best > neg:
                score[i][c] = best + own
                back[i][c] = arg
    end = -1
    for c in range(states):
        if c != pre and (end < 0 or score[n - 1][c] > score[n - 1][end]):
            end = c
    out = [0] * n
    c = end
    for i in range(n - 1, -1, -1):
        out[i] = ASIDE if c in (pre, post) else c
        c = back[i][c]
    return out
