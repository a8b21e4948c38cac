"""Synthetic BlazePose-like landmark sequences for unit tests (no video, no model)."""

from __future__ import annotations

import numpy as np

from inference.landmarks import LandmarkSequence

FPS = 10.0


def _skeleton(depth: float, jump: float = 0.0):
    """(world (33,3), image (33,3)) of a person facing the camera, squatting `depth` (0..1)."""
    th_k = np.radians(100) * depth  # knee flexion
    lean = np.radians(35) * depth  # torso lean
    shin, thigh, torso = 0.45, 0.45, 0.5
    # sagittal plane: f = forward (towards camera, -z), u = up; ankle on the ground
    knee_fu = np.array([np.sin(th_k / 2) * shin, np.cos(th_k / 2) * shin])
    hip_fu = knee_fu + np.array([-np.sin(th_k / 2) * thigh, np.cos(th_k / 2) * thigh])
    sh_fu = hip_fu + np.array([np.sin(lean) * torso, np.cos(lean) * torso])
    wr_fu = sh_fu + np.array([0.55 * depth, -0.55 * (1 - depth)])  # arms rise forward
    el_fu = (sh_fu + wr_fu) / 2 + np.array([0.0, -0.02])
    head_fu = sh_fu + np.array([np.sin(lean) * 0.25, np.cos(lean) * 0.25])
    ankle_fu = np.zeros(2)

    pts = np.zeros((33, 3))  # (x = person's left, f, u) in metres, absolute

    def put(idx, x, fu):
        pts[idx] = [x, fu[0], fu[1] + jump]

    for i in range(11):
        put(i, 0.03 * ((i % 3) - 1), head_fu + np.array([0.08, 0.02 * (i // 3)]))
    for side, sx in ((0, 0.18), (1, -0.18)):
        put(11 + side, sx, sh_fu)
        put(13 + side, sx * 1.2, el_fu)
        put(15 + side, sx * 1.1, wr_fu)
        for k in (17, 19, 21):
            put(k + side, sx * 1.1, wr_fu + np.array([0.05, 0.0]))
        put(23 + side, sx * 0.6, hip_fu)
        put(25 + side, sx * 0.6, knee_fu)
        put(27 + side, sx * 0.6, ankle_fu)
        put(29 + side, sx * 0.6, ankle_fu + np.array([-0.05, -0.02]))
        put(31 + side, sx * 0.6, ankle_fu + np.array([0.12, -0.03]))
    hip_c = (pts[23] + pts[24]) / 2
    world = np.stack(
        [pts[:, 0] - hip_c[0], -(pts[:, 2] - hip_c[2]), -(pts[:, 1] - hip_c[1])], axis=1
    )
    # image: camera in front; x mirrored (person's left appears on image right), y down
    image = np.stack([0.5 + pts[:, 0] * 0.35, 0.9 - pts[:, 2] * 0.35, -pts[:, 1] * 0.3], axis=1)
    return world.astype(np.float32), image.astype(np.float32)


def squat_sequence(
    n_reps=6,
    period_s=2.5,
    rest_before_s=3.0,
    rest_after_s=3.0,
    noise=0.005,
    no_person=(),
    seed=0,
    fps=FPS,
) -> tuple[LandmarkSequence, list[tuple[float, float]]]:
    """Standing rest, `n_reps` sinusoidal squats, standing rest. Returns (seq, true rep times).

    `no_person`: (start_s, end_s) spans where the person is missing.
    """
    rng = np.random.default_rng(seed)
    total = rest_before_s + n_reps * period_s + rest_after_s
    n = int(round(total * fps))
    t = np.arange(n) / fps
    depth = np.zeros(n)
    active = (t >= rest_before_s) & (t < rest_before_s + n_reps * period_s)
    depth[active] = 0.5 - 0.5 * np.cos(2 * np.pi * (t[active] - rest_before_s) / period_s)
    world = np.zeros((n, 33, 3), np.float32)
    image = np.zeros((n, 33, 3), np.float32)
    for i, d in enumerate(depth):
        world[i], image[i] = _skeleton(d)
    world += rng.normal(0, noise, world.shape).astype(np.float32)
    image += rng.normal(0, noise * 0.3, image.shape).astype(np.float32)
    present = np.ones(n, bool)
    for a, b in no_person:
        present[(t >= a) & (t < b)] = False
    world[~present] = np.nan
    image[~present] = np.nan
    vis = np.where(present[:, None], 0.95, 0.0).astype(np.float32) * np.ones((1, 33), np.float32)
    seq = LandmarkSequence(fps, image, vis, world, present, (640, 360), n / fps)
    reps = [
        (rest_before_s + k * period_s, rest_before_s + (k + 1) * period_s) for k in range(n_reps)
    ]
    return seq, reps


LEFT = np.array([i for i in range(33) if i % 2 == 1 and i >= 11] + [1, 2, 3, 7, 9])


def alternating_sequence(n_cycles=4, period_s=2.5, rest_s=3.0, noise=0.005, seed=0, fps=FPS):
    """Standing rest, then the left and right legs bending half a cycle apart (left side
    of the body from one squat skeleton, right side from another): per-side motion."""
    rng = np.random.default_rng(seed)
    n = int(round((2 * rest_s + n_cycles * period_s) * fps))
    t = np.arange(n) / fps
    active = (t >= rest_s) & (t < rest_s + n_cycles * period_s)
    phase = 2 * np.pi * (t - rest_s) / period_s
    d_left = np.where(active, 0.5 - 0.5 * np.cos(phase), 0.0)
    d_right = np.where(active, 0.5 - 0.5 * np.cos(phase + np.pi), 0.0)
    d_right[active & (phase < np.pi)] = 0.0  # right leg starts half a cycle later
    world = np.zeros((n, 33, 3), np.float32)
    image = np.zeros((n, 33, 3), np.float32)
    for i in range(n):
        wl, il = _skeleton(d_left[i] * 0.8)
        wr, ir = _skeleton(d_right[i] * 0.8)
        world[i], image[i] = wr, ir
        world[i, LEFT], image[i, LEFT] = wl[LEFT], il[LEFT]
    world += rng.normal(0, noise, world.shape).astype(np.float32)
    image += rng.normal(0, noise * 0.3, image.shape).astype(np.float32)
    vis = np.full((n, 33), 0.95, np.float32)
    return LandmarkSequence(fps, image, vis, world, np.ones(n, bool), (640, 360), n / fps)
