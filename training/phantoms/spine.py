"""A patient's spine in space: the centreline with lordosis/kyphosis, scoliosis and rotation, a
local frame per vertebra, and the bones around it (sacrum, pelvis, skull base, mandible)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import sdf
from .anatomy import Level
from .vertebra import Part


@dataclass
class Placed:
    level: Level
    origin: np.ndarray   # body centre (C1: ring centre), world RAS mm
    R: np.ndarray        # columns: local x (right), y (anterior), z (superior) in world


def _frame(down: np.ndarray, rot_deg: float) -> np.ndarray:
    z = -down / np.linalg.norm(down)
    y = np.array([0.0, 1.0, 0.0]) - z[1] * z
    y /= np.linalg.norm(y)
    x = np.cross(y, z)
    c, s = np.cos(np.deg2rad(rot_deg)), np.sin(np.deg2rad(rot_deg))
    return np.stack([c * x + s * y, -s * x + c * y, z], axis=1)


def region(label: int) -> str:
    return 'C' if label <= 7 else 'T' if label <= 19 or label == 28 else 'L'


def place(levels: list[Level], rng: np.random.Generator) -> tuple[list[Placed], dict]:
    """Positions and frames, cranial to caudal, from sampled curvature parameters."""
    n = len(levels)
    lordosis_c = rng.uniform(2.0, 7.0)     # degrees per cervical level
    kyphosis = rng.uniform(1.5, 5.5)       # per thoracic level
    lordosis_l = rng.uniform(6.0, 13.0)    # per lumbar level
    dphi = np.array([{'C': -lordosis_c, 'T': kyphosis, 'L': -lordosis_l}[region(l.label)] for l in levels])
    phi = np.cumsum(dphi)
    phi -= phi.mean() + rng.normal(0, 4)   # spine roughly vertical, patient slightly tilted
    scoliotic = rng.random() < 0.2
    amp = rng.uniform(5, 25) if scoliotic else rng.uniform(0, 3)
    period = rng.uniform(10, 22)
    shift = rng.uniform(0, 2 * np.pi)
    psi = amp * np.sin(2 * np.pi * np.arange(n) / period + shift)
    rot = 0.6 * psi + rng.normal(0, 2, n)
    downs = [np.array([np.sin(np.deg2rad(p)), np.sin(np.deg2rad(f)), -np.cos(np.deg2rad(f)) * np.cos(np.deg2rad(p))])
             for f, p in zip(phi, psi)]
    placed = [Placed(levels[0], np.zeros(3), _frame(downs[0], rot[0]))]
    for i in range(1, n):
        prev, cur = levels[i - 1], levels[i]
        d = downs[i - 1] + downs[i]
        d /= np.linalg.norm(d)
        if prev.label == 1:
            step = cur.dims['H'] / 2 + 10.0 * cur.dims['W'] / 17.0
            origin = placed[-1].origin + d * step + placed[-1].R[:, 1] * 3.0
        else:
            hp = prev.dims['H'] * (1 - prev.fracture / 2)
            hc = cur.dims['H'] * (1 - cur.fracture / 2)
            origin = placed[-1].origin + d * (hp / 2 + prev.dims['DH'] + hc / 2)
        placed.append(Placed(cur, origin, _frame(downs[i], rot[i])))
    return placed, {'lordosis_c': lordosis_c, 'kyphosis': kyphosis, 'lordosis_l': lordosis_l,
                    'scoliosis_deg': float(amp), 'scoliotic': bool(scoliotic)}


@dataclass
class WorldPart:
    """A part with its frame: world = origin + R @ local."""
    part: Part
    origin: np.ndarray
    R: np.ndarray


def _ellipsoid_part(kind, c, radii, label=0) -> Part:
    r = np.array(radii, float)
    return Part(kind, label, np.array(c) - r - 1, np.array(c) + r + 1,
                lambda x, y, z: sdf.ellipsoid(x - c[0], y - c[1], z - c[2], *r))


def sacrum_and_pelvis(last: Placed, rng: np.random.Generator, sacralised: bool) -> list[WorldPart]:
    """Sacrum (five fused segments along a backward-curving axis) and iliac wings, label 0."""
    d = last.level.dims
    down = -last.R[:, 2]
    slope = np.deg2rad(rng.uniform(30, 45))
    # Sacral axis: down and backwards, in the sagittal plane of the last lumbar vertebra.
    axis = np.cos(slope) * down - np.sin(slope) * last.R[:, 1]
    R = _frame(axis, 0.0)
    top = last.origin + down * (d['H'] / 2 + d['DH'] + 14)
    parts: list[WorldPart] = []
    w, dep = d['W'] * 1.05, d['D'] * 0.95
    for k in range(5):
        f = 1 - 0.17 * k
        c = np.array([0.0, -3.0 * k, -24.0 * k])
        parts.append(WorldPart(Part('bone', 0, c - [w * f / 2 + 1, dep * f / 2 + 1, 14], c + [w * f / 2 + 1, dep * f / 2 + 1, 14],
                                    (lambda c, f: lambda x, y, z: sdf.elliptic_cylinder(x - c[0], y - c[1], z - c[2], w * f / 2, dep * f / 2, 12))(c, f)),
                               top, R))
    ala = 1.25 if sacralised else 1.0
    for s in (-1, 1):
        parts.append(WorldPart(_ellipsoid_part('bone', (s * w * 0.75, -4.0, -8.0), (w * 0.45 * ala, dep * 0.45, 22.0)), top, R))
        # Iliac wing: a tilted shell segment lateral to the sacrum.
        c = np.array([s * (w * 0.75 + 40), 10.0, -10.0])
        rad = np.array([45.0, 70.0, 75.0])

        def wing(x, y, z, c=c, s=s, rad=rad):
            shell = np.abs(sdf.ellipsoid(x - c[0], y - c[1], z - c[2], *rad)) - 3.5
            keep = np.maximum(s * (c[0] - x) - 10, np.maximum(z - c[2] - 60, -(z - c[2] + 70)))
            return np.maximum(shell, keep)
        parts.append(WorldPart(Part('bone', 0, c - rad - 5, c + rad + 5, wing), top, R))
    return parts


def skull_base(c1: Placed, rng: np.random.Generator) -> list[WorldPart]:
    """Occipital bone with the foramen magnum, condyles on C1, and the mandible in front."""
    R = c1.R
    parts = []
    c = np.array([0.0, 22.0, 78.0])
    rad = np.array([70.0, 88.0, 78.0]) * rng.uniform(0.92, 1.08)
    shell = lambda x, y, z: np.maximum(np.abs(sdf.ellipsoid(x - c[0], y - c[1], z - c[2], *rad)) - 3.5,
                                       -sdf.elliptic_cylinder(x, y - 2.0, z - 20.0, 16.0, 18.0, 30.0))
    parts.append(WorldPart(Part('bone', 0, c - rad - 5, c + rad + 5, shell), c1.origin, R))
    for s in (-1, 1):
        parts.append(WorldPart(_ellipsoid_part('bone', (s * 14.0, 3.0, 11.0), (8.0, 10.0, 6.0)), c1.origin, R))
    mc = np.array([0.0, 52.0, -38.0])

    def mandible(x, y, z):
        ring = sdf.elliptic_ring(x - mc[0], y - mc[1], z - mc[2], 40.0, 38.0, 7.0, 12.0)
        return np.maximum(ring, -(y - mc[1] + 18.0))
    parts.append(WorldPart(Part('bone', 0, mc - [50, 50, 15], mc + [50, 50, 15], mandible), c1.origin, R))
    return parts
