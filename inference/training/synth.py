"""Synthetic training clips for exercises with too few real examples (kinematic priors).

Several labels occur in a single source repository of the dev set (high knees, mountain
climbers, plank jacks, jump squats, skipping, step-ups): leave that repository out and the
classifier has never seen them. Here such clips are made from *real* skeleton motion of a
related posture plus a described kinematic difference, so the result keeps real landmark
noise, body proportions and camera views:

* high_knees       = a person standing still + alternating hip/knee flexion (~80 deg / 90
                     deg), 0.5-0.9 s per left-right cycle, small hop, counter-swinging arms;
* jump_rope        = standing + 2-3 small hops a second, bent elbows, wrists circling;
* step_up          = standing + lead leg lifted onto a step, body rising by the step height
                     (image), trailing leg following, stepping down again;
* plank_jack       = a real plank + leg abduction cycle (15-30 deg each leg) with a hop;
* mountain_climber = a real plank + alternating knee drives (hip 50-90 deg, knee 60-100 deg);
* jump_squat       = real squats + a flight phase at the top of each repetition (the hips
                     rise 0.3-0.7 torso lengths in the image for 0.25-0.4 s);
* glute_bridge     = a person lying on the back + knees bent ~90 deg, feet on the floor,
                     hips raised until shoulders, hips and knees are in line;
* hip_thrust       = the same with the shoulders on a bench (torso up 25-40 deg at the
                     bottom, level at the top).

Not synthesised: sprawl (a burpee without push-up or jump differs from a burpee mostly by
what is left out; no rule here makes that reliable).

Joint rotations act on the world landmarks (hip-centred 3D); image landmarks get the same
displacement through a per-frame affine camera fitted from world to image (the image keeps
its own noise for joints that do not move). The rules are fixed by hand from the
definition of each exercise, never fitted to a clip; a generator only uses the source clips
it is given (cross-validation gives it the training folds only), and every synthetic window
carries its source clip id so it is left out with its source.

What this proves: that the classifier can tell these motions apart from their base posture
when they look like the rule; not that real clips of them look like the rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from ..features import (
    ANGLE_SLICE,
    L_AN,
    L_EL,
    L_HIP,
    L_KN,
    L_SH,
    L_WR,
    N_STATIC,
    POSTURE_SLICE,
    R_AN,
    R_EL,
    R_HIP,
    R_KN,
    R_SH,
    R_WR,
    SEG_SLICE,
    _fill_gaps,
    _unit,
    sequence_features,
)
from ..landmarks import LandmarkSequence

# Landmark chains moved by a rotation at a joint (BlazePose indices; hands and feet follow).
LEG = {1.0: [L_KN, L_AN, 29, 31], -1.0: [R_KN, R_AN, 30, 32]}
SHIN = {1.0: [L_AN, 29, 31], -1.0: [R_AN, 30, 32]}
ARM = {1.0: [L_EL, L_WR, 17, 19, 21], -1.0: [R_EL, R_WR, 18, 20, 22]}
FOREARM = {1.0: [L_WR, 17, 19, 21], -1.0: [R_WR, 18, 20, 22]}
HIP = {1.0: L_HIP, -1.0: R_HIP}
KNEE = {1.0: L_KN, -1.0: R_KN}
SHOULDER = {1.0: L_SH, -1.0: R_SH}
ELBOW = {1.0: L_EL, -1.0: R_EL}

MIN_SOURCE_S = 2.0
STILL_ARM_SPEED = 0.03  # feature units: 54 deg/s


@dataclass
class Body:
    """Per-frame body axes from world landmarks (N, 3 each)."""

    lateral: np.ndarray  # person's right -> left (hip line)
    spine: np.ndarray  # hips -> shoulders
    front: np.ndarray  # chest normal


def body_axes(world: np.ndarray) -> Body:
    hip = (world[:, L_HIP] + world[:, R_HIP]) / 2
    sh = (world[:, L_SH] + world[:, R_SH]) / 2
    spine = _unit(sh - hip)
    lateral = _unit(world[:, L_HIP] - world[:, R_HIP])
    front = _unit(np.cross(_unit(world[:, L_SH] - world[:, R_SH]), spine))
    return Body(lateral, spine, front)


def _rodrigues(v: np.ndarray, axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotate vectors v (N, k, 3) about unit axes (N, 3) by angles (N,)."""
    k = axis[:, None, :]
    c, s = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    return v * c + np.cross(k, v) * s + k * (k * v).sum(-1, keepdims=True) * (1 - c)


def rotate_chain(world, pivot: int, chain: list[int], axis, angle) -> np.ndarray:
    """Rotate the landmarks `chain` about joint `pivot` (in place on a copy)."""
    out = world.copy()
    p = world[:, pivot : pivot + 1]
    out[:, chain] = p + _rodrigues(world[:, chain] - p, axis, angle)
    return out


def toward_axis(axis, limb, toward) -> np.ndarray:
    """`axis` signed so that a positive rotation moves `limb` towards `toward`."""
    sign = np.sign((np.cross(axis, limb) * toward).sum(-1, keepdims=True))
    sign[sign == 0] = 1.0
    return axis * sign


def camera_matrix(world: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Per-frame affine camera (N, 3, 2): image_xy ~ world @ A + b, least squares."""
    n = len(world)
    out = np.zeros((n, 3, 2), np.float32)
    ones = np.ones((world.shape[1], 1))
    for i in range(n):
        x = np.hstack([world[i], ones])
        sol, *_ = np.linalg.lstsq(x, image[i, :, :2], rcond=None)
        out[i] = sol[:3]
    return out


def _with_world(seq: LandmarkSequence, world: np.ndarray, cam: np.ndarray, lift=None):
    """New sequence: world replaced, image moved by the same displacement; `lift` (N,)
    raises the whole body in the image by that many torso lengths (jumps, steps)."""
    image = seq.image.copy()
    image[..., :2] += np.einsum("nkj,njc->nkc", world - seq.world, cam)
    if lift is not None:
        ih = (image[:, L_HIP, :2] + image[:, R_HIP, :2]) / 2
        ish = (image[:, L_SH, :2] + image[:, R_SH, :2]) / 2
        torso_px = np.linalg.norm(ish - ih, axis=-1)
        image[..., 1] -= (lift * torso_px)[:, None]
    return replace(seq, image=image.astype(np.float32), world=world.astype(np.float32))


def _clean(seq: LandmarkSequence) -> LandmarkSequence:
    world, ok = _fill_gaps(np.nan_to_num(seq.world), seq.present, int(seq.fps))
    image, _ = _fill_gaps(np.nan_to_num(seq.image), seq.present, int(seq.fps))
    return LandmarkSequence(
        seq.fps, image, seq.visibility, world, ok, seq.frame_size, len(ok) / seq.fps
    )


def _ping_pong(seq: LandmarkSequence, n: int) -> LandmarkSequence:
    """Extend a short still stretch to n frames by playing it back and forth."""
    idx = np.arange(n) % max(1, 2 * len(seq) - 2)
    idx = np.where(idx < len(seq), idx, 2 * len(seq) - 2 - idx)
    idx = np.clip(idx, 0, len(seq) - 1)
    return LandmarkSequence(
        seq.fps,
        seq.image[idx],
        seq.visibility[idx],
        seq.world[idx],
        seq.present[idx],
        seq.frame_size,
        n / seq.fps,
    )


def _runs(mask: np.ndarray, min_len: int) -> list[tuple[int, int]]:
    out, i, n = [], 0, len(mask)
    while i < n:
        if mask[i]:
            j = i
            while j < n and mask[j]:
                j += 1
            if j - i >= min_len:
                out.append((i, j))
            i = j
        else:
            i += 1
    return out


# ---------------------------------------------------------------- source postures


def standing_stretches(seq: LandmarkSequence, fps: float) -> list[tuple[int, int]]:
    """Frames where the person stands upright and still: straight legs, arms not moving
    (the arm motion of a curl or a raise would otherwise come along into the new clip)."""
    feats, usable = sequence_features(seq)
    ang, vert = feats[:, ANGLE_SLICE], feats[:, SEG_SLICE]
    knees = ang[:, 6:8].min(axis=1)  # fractions of 180 deg
    torso_up = vert[:, 0]
    thighs_down = -vert[:, 5:7].max(axis=1)
    # elbow + shoulder angle speed (features store fractions of 180 deg per s / 10)
    arm_speed = np.abs(feats[:, N_STATIC + ANGLE_SLICE.start : N_STATIC + ANGLE_SLICE.start + 4])
    arm_speed = np.convolve(arm_speed.max(axis=1), np.ones(5) / 5, mode="same")
    ok = usable & (knees > 0.85) & (torso_up > 0.85) & (thighs_down > 0.85)
    ok &= arm_speed < STILL_ARM_SPEED
    return _runs(ok, int(MIN_SOURCE_S * fps))


def lying_prone_stretches(seq: LandmarkSequence, fps: float) -> list[tuple[int, int]]:
    """Frames of a straight-body prone support (a plank or the top of a push-up)."""
    feats, usable = sequence_features(seq)
    vert = feats[:, SEG_SLICE]
    ang = feats[:, ANGLE_SLICE]
    face_down = feats[:, POSTURE_SLICE][:, 0] < -0.5
    horizontal = np.abs(vert[:, 0]) < 0.6
    straight = ang[:, 4:8].min(axis=1) > 0.75
    # Arms held still: straight (high plank) or both bent (forearm plank), not mid push-up.
    elbows = ang[:, 0:2]
    arms = (elbows.min(axis=1) > 0.75) | (elbows.max(axis=1) < 0.6)
    ok = usable & face_down & horizontal & straight & arms
    return _runs(ok, int(MIN_SOURCE_S * fps))


def lying_supine_stretches(seq: LandmarkSequence, fps: float) -> list[tuple[int, int]]:
    """Frames of a person lying on the back (sit-up/crunch floor phase, bench press)."""
    feats, usable = sequence_features(seq)
    vert = feats[:, SEG_SLICE]
    face_up = feats[:, POSTURE_SLICE][:, 0] > 0.6
    horizontal = np.abs(vert[:, 0]) < 0.5
    return _runs(usable & face_up & horizontal, int(MIN_SOURCE_S * fps))


# ---------------------------------------------------------------- motion rules


def _knee_drive(seq, phase, hip_amp, knee_amp):
    """Alternating hip + knee flexion; phase (N,) in cycles. Left leads, right half a
    cycle later."""
    world = seq.world
    for side, offset in ((1.0, 0.0), (-1.0, 0.5)):
        w = np.maximum(0.0, np.sin(2 * np.pi * (phase - offset))) ** 0.8
        body = body_axes(world)
        h, k = HIP[side], KNEE[side]
        axis = toward_axis(body.lateral, world[:, k] - world[:, h], body.front)
        world = rotate_chain(world, h, LEG[side], axis, hip_amp * w)
        world = rotate_chain(world, k, SHIN[side], axis, -knee_amp * w)
    return world


def _arm_swing(world, phase, amp, elbow):
    """Running arms: elbows bent, upper arms swinging opposite to the legs."""
    for side, offset in ((1.0, 0.5), (-1.0, 0.0)):
        body = body_axes(world)
        s, e = SHOULDER[side], ELBOW[side]
        axis = toward_axis(body.lateral, world[:, e] - world[:, s], body.front)
        swing = amp * np.sin(2 * np.pi * (phase - offset))
        world = rotate_chain(world, s, ARM[side], axis, swing)
        world = rotate_chain(world, e, FOREARM[side], axis, np.full(len(world), elbow))
    return world


def high_knees(base: LandmarkSequence, rng: np.random.Generator) -> LandmarkSequence:
    n = len(base)
    t = np.arange(n) / base.fps
    period = rng.uniform(0.5, 0.9)
    phase = t / period + rng.uniform(0, 1)
    cam = camera_matrix(base.world, base.image)
    world = _knee_drive(
        base, phase, np.radians(rng.uniform(60, 95)), np.radians(rng.uniform(70, 100))
    )
    world = _arm_swing(
        world, phase, np.radians(rng.uniform(15, 40)), np.radians(rng.uniform(60, 100))
    )
    hop = rng.uniform(0.03, 0.12) * np.abs(np.sin(2 * np.pi * phase))
    return _with_world(base, world, cam, lift=hop)


def jump_rope(base: LandmarkSequence, rng: np.random.Generator) -> LandmarkSequence:
    n = len(base)
    t = np.arange(n) / base.fps
    phase = t * rng.uniform(1.8, 2.8) + rng.uniform(0, 1)
    cam = camera_matrix(base.world, base.image)
    world = base.world
    up = np.maximum(0.0, np.sin(2 * np.pi * phase))
    landing = np.maximum(0.0, -np.sin(2 * np.pi * phase))
    abd, elbow = np.radians(rng.uniform(10, 30)), np.radians(rng.uniform(50, 100))
    circle = np.radians(rng.uniform(5, 15)) * np.sin(2 * np.pi * phase)
    for side in (1.0, -1.0):
        body = body_axes(world)
        h, k = HIP[side], KNEE[side]
        axis = toward_axis(body.lateral, world[:, k] - world[:, h], body.front)
        knee_bend = np.radians(rng.uniform(8, 20)) * landing
        world = rotate_chain(world, h, LEG[side], axis, knee_bend / 2)
        world = rotate_chain(world, k, SHIN[side], axis, -knee_bend)
        body = body_axes(world)
        s, e = SHOULDER[side], ELBOW[side]
        out_axis = toward_axis(body.front, world[:, e] - world[:, s], side * body.lateral)
        world = rotate_chain(world, s, ARM[side], out_axis, np.full(n, abd))
        fwd = toward_axis(body.lateral, world[:, e] - world[:, s], body.front)
        world = rotate_chain(world, e, FOREARM[side], fwd, elbow + circle)
    lift = rng.uniform(0.06, 0.2) * up
    return _with_world(base, world, cam, lift=lift)


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def step_up(base: LandmarkSequence, rng: np.random.Generator) -> LandmarkSequence:
    n = len(base)
    t = np.arange(n) / base.fps
    period = rng.uniform(2.0, 3.5)
    u = (t / period + rng.uniform(0, 1)) % 1.0
    alternate = rng.random() < 0.5
    cycle = np.floor(t / period).astype(int)
    # Lead leg flexion (0..1), trailing leg flexion, body height (0..1) over one cycle.
    lead = np.where(
        u < 0.2,
        _smoothstep(u / 0.2),
        np.where(
            u < 0.45,
            1 - _smoothstep((u - 0.2) / 0.25),
            np.where(u < 0.55, 0.0, np.where(u < 0.8, _smoothstep((u - 0.55) / 0.25), 1.0)),
        ),
    )
    lead = np.where(u >= 0.8, 1 - _smoothstep((u - 0.8) / 0.2), lead)
    height = np.where(
        u < 0.2,
        0.0,
        np.where(
            u < 0.45,
            _smoothstep((u - 0.2) / 0.25),
            np.where(u < 0.55, 1.0, np.where(u < 0.8, 1 - _smoothstep((u - 0.55) / 0.25), 0.0)),
        ),
    )
    trail = 0.4 * np.sin(np.pi * np.clip((u - 0.25) / 0.25, 0, 1)) + 0.4 * np.sin(
        np.pi * np.clip((u - 0.55) / 0.25, 0, 1)
    )
    cam = camera_matrix(base.world, base.image)
    world = base.world
    hip_amp, knee_amp = np.radians(rng.uniform(45, 70)), np.radians(rng.uniform(60, 95))
    lead_side = np.where(alternate & (cycle % 2 == 1), -1.0, 1.0) * rng.choice([-1.0, 1.0])
    for side in (1.0, -1.0):
        w = np.where(lead_side == side, lead, trail)
        body = body_axes(world)
        h, k = HIP[side], KNEE[side]
        axis = toward_axis(body.lateral, world[:, k] - world[:, h], body.front)
        world = rotate_chain(world, h, LEG[side], axis, hip_amp * w)
        world = rotate_chain(world, k, SHIN[side], axis, -knee_amp * w)
    return _with_world(base, world, cam, lift=rng.uniform(0.4, 0.8) * height)


def plank_jack(base: LandmarkSequence, rng: np.random.Generator) -> LandmarkSequence:
    n = len(base)
    t = np.arange(n) / base.fps
    phase = t / rng.uniform(0.7, 1.3) + rng.uniform(0, 1)
    cam = camera_matrix(base.world, base.image)
    world = base.world
    w = 0.5 - 0.5 * np.cos(2 * np.pi * phase)
    amp = np.radians(rng.uniform(15, 30))
    for side in (1.0, -1.0):
        body = body_axes(world)
        h, k = HIP[side], KNEE[side]
        axis = toward_axis(body.front, world[:, k] - world[:, h], side * body.lateral)
        world = rotate_chain(world, h, LEG[side], axis, amp * w)
    hop = rng.uniform(0.03, 0.1) * np.abs(np.sin(2 * np.pi * phase))
    return _with_world(base, world, cam, lift=hop)


def mountain_climber(base: LandmarkSequence, rng: np.random.Generator) -> LandmarkSequence:
    n = len(base)
    t = np.arange(n) / base.fps
    phase = t / rng.uniform(0.5, 1.0) + rng.uniform(0, 1)
    cam = camera_matrix(base.world, base.image)
    world = _knee_drive(
        base, phase, np.radians(rng.uniform(50, 90)), np.radians(rng.uniform(60, 100))
    )
    return _with_world(base, world, cam)


def jump_squat(base: LandmarkSequence, rng: np.random.Generator) -> LandmarkSequence:
    """Squats + a flight phase at every top (knee extension peak between two dips)."""
    feats, _ = sequence_features(base)
    knee = feats[:, ANGLE_SLICE][:, 6:8].mean(axis=1)
    k = np.convolve(np.pad(knee, 2, mode="edge"), np.ones(5) / 5, mode="valid")
    lo, hi = np.percentile(k, 10), np.percentile(k, 90)
    lift = np.zeros(len(base))
    if hi - lo < 0.1:
        return None
    flight = max(2, int(round(rng.uniform(0.25, 0.4) * base.fps)))
    height = rng.uniform(0.3, 0.7)
    peaks = [
        i
        for i in range(1, len(k) - 1)
        if k[i] >= k[i - 1] and k[i] > k[i + 1] and k[i] > lo + 0.7 * (hi - lo)
    ]
    for p in peaks:
        a = max(0, p - flight // 2)
        x = (np.arange(a, min(len(k), a + flight)) - a + 0.5) / flight
        lift[a : a + len(x)] = np.maximum(lift[a : a + len(x)], height * 4 * x * (1 - x))
    if not peaks:
        return None
    cam = camera_matrix(base.world, base.image)
    return _with_world(base, base.world.copy(), cam, lift=lift)


def _direction(body: Body, psi: np.ndarray) -> np.ndarray:
    """Unit vector in the body's sagittal plane, psi radians from "towards the feet"
    (-spine) towards the front."""
    return np.cos(psi)[:, None] * -body.spine + np.sin(psi)[:, None] * body.front


def _bridge(base: LandmarkSequence, rng, tilt_bottom, tilt_top) -> LandmarkSequence:
    """Supine hip extension with bent knees and feet on the floor.

    Thighs go from 40-55 deg above the torso line (bottom) to in line with it (top), the
    knees stay bent ~90 deg (shins towards the floor), arms lie along the body, and the
    whole body tilts about the hips from `tilt_bottom` to `tilt_top` (radians, + raises the
    shoulders above the hips)."""
    n = len(base)
    t = np.arange(n) / base.fps
    period = rng.uniform(2.0, 4.0)
    hold = rng.uniform(0.0, 0.3)  # fraction of a cycle held at the top
    u = (t / period + rng.uniform(0, 1)) % 1.0
    rise = np.clip(np.minimum(u / 0.35, (1 - u) / 0.35) * (1 + hold), 0, 1)
    up = _smoothstep(rise)  # 0 bottom .. 1 top
    cam = camera_matrix(base.world, base.image)
    world = base.world.copy()
    body = body_axes(world)
    thigh_psi = np.radians(rng.uniform(40, 55)) * (1 - up)
    knee = np.radians(rng.uniform(80, 100))
    for side in (1.0, -1.0):
        h, k, a = HIP[side], KNEE[side], LEG[side][1]
        thigh = np.linalg.norm(world[:, k] - world[:, h], axis=-1, keepdims=True)
        shin = np.linalg.norm(world[:, a] - world[:, k], axis=-1, keepdims=True)
        new_knee = world[:, h] + thigh * _direction(body, thigh_psi)
        new_ankle = new_knee + shin * _direction(body, thigh_psi - knee)
        feet = SHIN[side][1:]
        world[:, feet] += (new_ankle - world[:, a])[:, None]
        world[:, k], world[:, a] = new_knee, new_ankle
        s, e, w = SHOULDER[side], ELBOW[side], ARM[side][1]
        upper = np.linalg.norm(world[:, e] - world[:, s], axis=-1, keepdims=True)
        fore = np.linalg.norm(world[:, w] - world[:, e], axis=-1, keepdims=True)
        along = _unit(-body.spine + 0.25 * side * body.lateral - 0.15 * body.front)
        new_el = world[:, s] + upper * along
        new_wr = new_el + fore * along
        world[:, FOREARM[side][1:]] += (new_wr - world[:, w])[:, None]
        world[:, e], world[:, w] = new_el, new_wr
    # Tilt the whole body about the mid-hip: positive raises the shoulders.
    hip = (world[:, L_HIP] + world[:, R_HIP]) / 2
    down = np.zeros_like(hip)
    down[:, 1] = 1.0  # world y points down
    axis = toward_axis(body.lateral, body.spine, -down)
    tilt = tilt_bottom + (tilt_top - tilt_bottom) * up
    world = hip[:, None] + _rodrigues(world - hip[:, None], axis, tilt)
    world += rng.normal(0, 0.01, world.shape)
    return _with_world(base, world.astype(np.float32), cam)


def glute_bridge(base: LandmarkSequence, rng: np.random.Generator) -> LandmarkSequence:
    # Shoulders on the floor: torso flat at the bottom, hips 20-35 deg higher at the top.
    return _bridge(base, rng, np.radians(rng.uniform(-5, 5)), -np.radians(rng.uniform(20, 35)))


def hip_thrust(base: LandmarkSequence, rng: np.random.Generator) -> LandmarkSequence:
    # Shoulders on a bench: torso 25-40 deg up at the bottom, level at the top.
    return _bridge(base, rng, np.radians(rng.uniform(25, 40)), np.radians(rng.uniform(-5, 5)))


# ---------------------------------------------------------------- assembly


@dataclass
class Recipe:
    label: str
    make: Callable[[LandmarkSequence, np.random.Generator], LandmarkSequence | None]
    source: str  # "standing", "prone", "supine" or an exercise label (its true bouts)
    seconds: tuple[float, float] = (5.0, 12.0)


RECIPES = [
    Recipe("high_knees", high_knees, "standing"),
    Recipe("jump_rope", jump_rope, "standing"),
    Recipe("step_up", step_up, "standing", (6.0, 14.0)),
    Recipe("plank_jack", plank_jack, "prone"),
    Recipe("mountain_climber", mountain_climber, "prone"),
    Recipe("jump_squat", jump_squat, "squat"),
    Recipe("glute_bridge", glute_bridge, "supine"),
    Recipe("hip_thrust", hip_thrust, "supine"),
]

#: synthetic clips per label (spread over the available source stretches)
PER_LABEL = 24


def source_stretches(clips, seqs, kind: str) -> list[tuple[str, int, int]]:
    """(clip id, start, end) frame ranges of the given source posture in `clips`."""
    out = []
    for c in clips:
        seq = seqs[c.id]
        if kind == "standing":
            runs = standing_stretches(seq, seq.fps)
        elif kind == "prone":
            runs = lying_prone_stretches(seq, seq.fps)
        elif kind == "supine":
            runs = lying_supine_stretches(seq, seq.fps)
        else:
            runs = [
                (int(b.start * seq.fps), min(len(seq), int(b.end * seq.fps)))
                for b in c.bouts
                if b.label == kind and (b.end - b.start) >= MIN_SOURCE_S
            ]
        out += [(c.id, a, b) for a, b in runs if b - a >= int(MIN_SOURCE_S * seq.fps)]
    return out


def synthetic_clips(
    clips, seqs, rng: np.random.Generator, labels: set[str] | None = None, per_label=PER_LABEL
) -> Iterator[tuple[str, str, LandmarkSequence]]:
    """(label, source clip id, landmark sequence) of synthetic clips made from `clips`."""
    cache: dict[str, list] = {}
    for r in RECIPES:
        if labels is not None and r.label not in labels:
            continue
        if r.source not in cache:
            cache[r.source] = source_stretches(clips, seqs, r.source)
        stretches = cache[r.source]
        if not stretches:
            continue
        order = rng.permutation(len(stretches))
        for i in range(per_label):
            cid, a, b = stretches[order[i % len(stretches)]]
            seq = _clean(seqs[cid].between(a, b))
            n = int(rng.uniform(*r.seconds) * seq.fps)
            if r.source in ("standing", "prone", "supine"):
                if len(seq) < n:
                    seq = _ping_pong(seq, n)
                else:
                    s = int(rng.integers(0, len(seq) - n + 1))
                    seq = seq.between(s, s + n)
            out = r.make(seq, rng)
            if out is not None:
                yield r.label, cid, out
