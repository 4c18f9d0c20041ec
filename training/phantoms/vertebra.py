"""The parts of one vertebra (and its ribs) as signed distance functions in the vertebra's local
frame: x to the patient's right, y anterior, z superior, origin at the vertebral-body centre.

Each part carries its own bounding box, so the renderer evaluates it only where it can be.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import sdf
from .anatomy import Level

Fn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Part:
    kind: str          # 'bone' (adds), 'hole' (carves bone), 'disc'
    label: int         # VerSe id of the vertebra it belongs to; 0 for ribs, sacrum, skull
    lo: np.ndarray     # local bounding box (mm)
    hi: np.ndarray
    fn: Fn


def _box(*pts: tuple, pad: float) -> tuple[np.ndarray, np.ndarray]:
    p = np.array(pts, float)
    return p.min(0) - pad, p.max(0) + pad


def capsule_part(kind: str, label: int, p0, p1, r0: float, r1: float | None = None) -> Part:
    r = max(r0, r1 or r0)
    lo, hi = _box(p0, p1, pad=r + 1)
    return Part(kind, label, lo, hi, lambda x, y, z: sdf.capsule(x, y, z, p0, p1, r0, r1))


def body_part(lv: Level) -> Part:
    d = lv.dims
    a, b, h = d['W'] / 2, d['D'] / 2, d['H'] / 2
    f = lv.fracture

    def fn(x, y, z):
        # Concave waist, and a wedge: anterior height lost in a compression fracture.
        t = np.clip((y + b) / (2 * b), 0, 1)
        hh = h * (1 - f * t)
        zc = -h * f * t  # the upper endplate sinks; the lower stays
        waist = 1 - 0.07 * (1 - np.clip(((z - zc) / np.maximum(hh, 1e-3)) ** 2, 0, 1))
        return sdf.elliptic_cylinder(x, y, z - zc, a * waist, b * waist, hh)

    return Part('bone', lv.label, np.array([-a - 1, -b - 1, -h - 1]), np.array([a + 1, b + 1, h + 1]), fn)


def posterior_parts(lv: Level) -> list[Part]:
    """Pedicles, laminae, spinous process, transverse and articular processes, canal."""
    d = lv.dims
    lab = lv.label
    b = d['D'] / 2
    cw, cd = d['CW'] / 2, d['CD'] / 2
    cy = -b - cd + 0.5                       # canal centre (touches the body's back wall)
    lam = max(2.5, 0.18 * d['PW'] + 2.0)     # lamina thickness
    h = 0.3 * d['H']                          # arch half-height: laminae leave gaps between levels
    zp = 0.15 * d['H']                        # pedicles sit high on the body
    parts: list[Part] = []
    ring_lo, ring_hi = np.array([-cw - lam - 1, cy - cd - lam - 1, -h - 1]), np.array([cw + lam + 1, cy + cd + lam + 1, h + 1])
    parts.append(Part('bone', lab, ring_lo, ring_hi, lambda x, y, z: sdf.elliptic_ring(x, y - cy, z - zp * 0.3, cw, cd, lam, h)))
    for s in (-1, 1):
        px = s * (cw + d['PW'] * 0.3)
        parts.append(capsule_part('bone', lab, (s * d['W'] * 0.3, -b + 3, zp), (px, cy, zp), d['PW'] / 2, d['PW'] / 2))
        # Transverse process: from the pedicle–lamina junction, lateral, tilted back by TPA.
        root = np.array([px, cy - 1, zp])
        ang = np.deg2rad(d['TPA'])
        tip = root + np.array([s * (d['TPS'] / 2 - abs(px)), -np.sin(ang) * d['TPS'] * 0.25, -0.05 * d['TPS']])
        parts.append(capsule_part('bone', lab, tuple(root), tuple(tip), max(3.0, 0.25 * d['PH']), max(2.0, 0.15 * d['PH'])))
        # Articular processes, above and below the pedicle–lamina junction.
        for sz in (-1, 1):
            c = (px, cy - cd * 0.4, sz * (d['H'] / 2 + 1.5))
            rx, ry, rz = max(3.0, d['PW'] * 0.55), 4.0, max(4.0, d['H'] * 0.22)
            parts.append(Part('bone', lab, np.array(c) - [rx + 1, ry + 1, rz + 1], np.array(c) + [rx + 1, ry + 1, rz + 1],
                              (lambda c, rx, ry, rz: lambda x, y, z: sdf.ellipsoid(x - c[0], y - c[1], z - c[2], rx, ry, rz))(c, rx, ry, rz)))
        if lv.shape_level <= 7.5 and lab != 7:  # transverse foramen (C1–C6)
            fc = (s * (abs(px) + 6), cy + cd * 0.6, zp)
            parts.append(capsule_part('hole', lab, (fc[0], fc[1], fc[2] - 8), (fc[0], fc[1], fc[2] + 8), 2.5))
    # Spinous process: back and down by SPA; bifid tips C2–C6.
    root = np.array([0.0, cy - cd - lam * 0.5, zp * 0.3])
    ang = np.deg2rad(d['SPA'])
    tip = root + d['SPL'] * np.array([0.0, -np.cos(ang), -np.sin(ang)])
    r0, r1 = max(3.0, 0.15 * d['H']), max(2.5, 0.11 * d['H'])
    if 2 <= lv.shape_level <= 6.5:
        for s in (-1, 1):
            parts.append(capsule_part('bone', lab, tuple(root), tuple(tip + [s * 4.0, 0, 0]), r0, r1))
    else:
        parts.append(capsule_part('bone', lab, tuple(root), tuple(tip), r0, r1))
        parts.append(capsule_part('bone', lab, tuple(root + [0, 0, -2]), tuple(tip + [0, 3, -3]), r0 * 0.8, r1))
    # The canal is carved last, through everything (neighbours' processes included).
    parts.append(Part('hole', lab, np.array([-cw - 1, cy - cd - 1, -d['H']]), np.array([cw + 1, cy + cd + 1, d['H']]),
                      lambda x, y, z: sdf.elliptic_cylinder(x, y - cy, z, cw, cd, d['H'])))
    return parts


def atlas_parts(lv: Level) -> list[Part]:
    """C1: a ring with lateral masses and long transverse processes, no body."""
    d = lv.dims
    s_ = d['TPS'] / 78.0  # patient scale carried by the TP span
    a, b, thick, h = 14.0 * s_, 16.0 * s_, 6.0 * s_, 5.0 * s_
    parts = [Part('bone', 1, np.array([-a - thick - 1, -b - thick - 1, -h - 1]), np.array([a + thick + 1, b + thick + 1, h + 1]),
                  lambda x, y, z: sdf.elliptic_ring(x, y, z, a, b, thick, h))]
    for s in (-1, 1):
        c = (s * (a + 1), 2.0 * s_, 0.0)
        parts.append(Part('bone', 1, np.array(c) - 10 * s_, np.array(c) + 10 * s_,
                          (lambda c: lambda x, y, z: sdf.ellipsoid(x - c[0], y - c[1], z - c[2], 7 * s_, 8 * s_, 8 * s_))(c)))
        parts.append(capsule_part('bone', 1, (s * (a + 4), 0, 0), (s * d['TPS'] / 2, -4, -2), 4.0 * s_, 3.0 * s_))
        fc = (s * (a + 11 * s_), 0.0, 0.0)
        parts.append(capsule_part('hole', 1, (fc[0], fc[1], -8), (fc[0], fc[1], 8), 2.5))
    return parts


def dens_part(lv: Level) -> Part:
    d = lv.dims
    top = (0.0, 0.5, d['H'] / 2 + 15.0 * d['W'] / 17.0)
    return capsule_part('bone', 2, (0.0, 0.5, d['H'] / 2 - 2), top, 5.0 * d['W'] / 17.0, 4.0 * d['W'] / 17.0)


def disc_part(lv: Level, below: Level, gap: float) -> Part:
    """The disc under `lv`, in lv's frame: between its lower endplate and the next upper one."""
    a = (lv.dims['W'] + below.dims['W']) / 4
    b = (lv.dims['D'] + below.dims['D']) / 4
    zc = -lv.dims['H'] / 2 - gap / 2
    h = gap / 2 + 1.0
    return Part('disc', 0, np.array([-a - 1, -b - 1, zc - h - 1]), np.array([a + 1, b + 1, zc + h + 1]),
                lambda x, y, z: sdf.elliptic_cylinder(x, y, z - zc, a * 0.97, b * 0.97, h))


def rib_parts(lv: Level, A: float, B: float, yc: float, rng: np.random.Generator) -> list[Part]:
    """Both ribs of a thoracic level: from the transverse process tip around the thorax (semi-axes
    A, B around a centre yc mm in front of the body centre), falling as they go; the lowest short
    and floating."""
    d = lv.dims
    parts = []
    drop = rng.uniform(25, 55)
    r = rng.uniform(3.5, 5.0)
    for s in (-1, 1):
        start = np.array([s * (d['TPS'] / 2 - 4), -d['D'] / 2 - 14.0, 0.15 * d['H']])
        # Angle from the lateral axis: −90° is behind the thorax centre, +90° in front of it.
        phis = np.deg2rad(np.linspace(-65.0, -65.0 + 140.0 * lv.rib_length, 9))
        pts = [start] + [np.array([s * A * np.cos(p), yc + B * np.sin(p), start[2] - drop * (i + 1) / len(phis)])
                         for i, p in enumerate(phis)]
        for p0, p1 in zip(pts[:-1], pts[1:]):
            parts.append(capsule_part('bone', 0, tuple(p0), tuple(p1), r, r))
    return parts
