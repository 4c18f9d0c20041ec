"""Stage 3: identifier = encoder (mask crop → embedding, run once per vertebra) + head (embedding
× explicit dropout mask → 24 logits, run on N masks in one batch for MC dropout; ORT deletes
Dropout nodes, so the mask is an input drawn in TS, src/core/stages/mcDropout.ts).

Encoder input  mask       [N, C, S, S, S]  binary mask of one vertebra, centred; S % 16 == 0; C = 2 adds the
                                            other vertebrae's masks in the same cube (context: the neighbours)
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
    def __init__(self, width: int = 16, embedding: int = 128, channels: int = 1):
        super().__init__()
        w = width
        self.features = nn.Sequential(conv(3, channels, w, 2), conv(3, w, 2 * w, 2), conv(3, 2 * w, 4 * w, 2), conv(3, 4 * w, 8 * w, 2), conv(3, 8 * w, 8 * w))
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


class Members(nn.Module):
    """Several identifier runs' encoders as one model: their embeddings side by side, [N, K·E]. The app takes the
    embedding's width from the encoder's output, so an ensemble needs nothing in TS."""
    def __init__(self, encoders: list[Encoder]):
        super().__init__()
        self.members = nn.ModuleList(encoders)

    def forward(self, mask: torch.Tensor) -> torch.Tensor:
        return torch.cat([e(mask) for e in self.members], 1)


class MemberHeads(nn.Module):
    """The runs' heads as one model: member k reads its own E columns of the embedding and of the dropout mask (so
    each draws masks of its own), and the output is the log of their mean softmax, as Heads."""
    def __init__(self, heads: list[nn.Module], width: int = 128):
        super().__init__()
        self.members = nn.ModuleList(heads)
        self.width = width

    def forward(self, embedding: torch.Tensor, dropout: torch.Tensor) -> torch.Tensor:
        w = self.width
        p = torch.stack([h(embedding[:, k * w:(k + 1) * w], dropout[:, k * w:(k + 1) * w]).softmax(1)
                         for k, h in enumerate(self.members)]).mean(0)
        return p.clamp(min=1e-12).log()


def _members(state: dict) -> list[dict]:
    """A Members/MemberHeads state dict split per member (`members.K.` stripped); [] when it is no ensemble."""
    k = sorted({int(name.split('.')[1]) for name in state if name.startswith('members.')})
    return [{name[len(f'members.{i}.'):]: v for name, v in state.items() if name.startswith(f'members.{i}.')} for i in k]


def head_of(state: dict) -> nn.Module:
    """A fresh head shaped as a saved state dict (or the names of an ONNX file's weights): one Head, Heads of as
    many as it holds, or MemberHeads of such."""
    members = _members(state)
    if members:
        return MemberHeads([head_of(m) for m in members])
    k = len({name.split('.')[1] for name in state if name.startswith('heads.')})
    return Heads([Head() for _ in range(k)]) if k else Head()


FIRST_CONV = 'features.0.0.weight'


def input_channels(state: dict) -> int:
    """The encoder's input channels (1: the mask; 2: mask + context) from a saved state dict; 1 if it cannot tell."""
    w = state.get(FIRST_CONV)
    return int(w.shape[1]) if hasattr(w, 'shape') else 1


def widened(state: dict, channels: int) -> dict:
    """A one-channel encoder's weights for `channels` inputs: the added channels' first-conv weights are zero, so the
    widened encoder starts as exactly the one it was made from and learns what the context adds."""
    w = state[FIRST_CONV]
    if w.shape[1] == channels:
        return state
    pad = torch.zeros(w.shape[0], channels - w.shape[1], *w.shape[2:], dtype=w.dtype)
    return {**state, FIRST_CONV: torch.cat([w, pad], 1)}


def encoder_of(state: dict, channels: int | None = None) -> nn.Module:
    """A fresh encoder shaped as a saved state dict (or an ONNX file's weight names, with its input's `channels`): one
    Encoder or Members."""
    members = _members(state)
    if members:
        return Members([Encoder(channels=channels or input_channels(m)) for m in members])
    return Encoder(channels=channels or input_channels(state))


def encoder_channels(enc: nn.Module) -> int:
    """The input channels an encoder (or an ensemble's) reads: 1, the mask; 2, mask + context."""
    first = enc.members[0] if isinstance(enc, Members) else enc
    return first.features[0][0].in_channels


def project(embedding: torch.Tensor) -> torch.Tensor:
    """The unit-sphere projection the supervised contrastive loss works on."""
    return F.normalize(embedding, dim=1)
