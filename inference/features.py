"""Skeleton features: a normalised, view-robust description of each analysed frame.

Input is a `LandmarkSequence` (BlazePose image + world landmarks). Output is a
(frames x FEATURE_DIM) float32 matrix with no NaNs:

* canonical 3D joint positions: world landmarks centred on the mid-hip, scaled by torso
  length and rotated about the vertical axis so the hip line points along +x (camera yaw
  and distance no longer matter);
* joint angles (elbows, shoulders, hips, knees) from the 3D skeleton;
* verticality of body segments (torso, arms, thighs, shins) -> standing vs lying;
* image-space body motion (mid-hip / wrist vertical speed in torso lengths per second),
  which world landmarks cannot show (they are always hip-centred, so a jump is invisible);
* velocities of all of the above.

Short gaps without a person (< MAX_GAP_S) are interpolated; longer gaps stay zero and the
`present` channel says so. Mirror images are handled by `mirror()` (used as augmentation).
"""

from __future__ import annotations

import numpy as np

from .landmarks import LandmarkSequence

# BlazePose landmark indices.
NOSE, L_SH, R_SH, L_EL, R_EL, L_WR, R_WR = 0, 11, 12, 13, 14, 15, 16
L_HIP, R_HIP, L_KN, R_KN, L_AN, R_AN, L_FT, R_FT = 23, 24, 25, 26, 27, 28, 31, 32

#: Joints kept as canonical coordinates.
JOINTS = [
    NOSE,
    L_SH,
    R_SH,
    L_EL,
    R_EL,
    L_WR,
    R_WR,
    L_HIP,
    R_HIP,
    L_KN,
    R_KN,
    L_AN,
    R_AN,
    L_FT,
    R_FT,
]

#: Left/right swap of all 33 BlazePose landmarks (for mirroring).
MIRROR_PERM = np.arange(33)
for a, b in [
    (1, 4),
    (2, 5),
    (3, 6),
    (7, 8),
    (9, 10),
    (11, 12),
    (13, 14),
    (15, 16),
    (17, 18),
    (19, 20),
    (21, 22),
    (23, 24),
    (25, 26),
    (27, 28),
    (29, 30),
    (31, 32),
]:
    MIRROR_PERM[a], MIRROR_PERM[b] = b, a

ANGLES = [  # (a, vertex, c)
    (L_SH, L_EL, L_WR),
    (R_SH, R_EL, R_WR),  # elbows
    (L_HIP, L_SH, L_EL),
    (R_HIP, R_SH, R_EL),  # shoulders
    (L_SH, L_HIP, L_KN),
    (R_SH, R_HIP, R_KN),  # hips
    (L_HIP, L_KN, L_AN),
    (R_HIP, R_KN, R_AN),  # knees
]
SEGMENTS = [  # (from, to) whose vertical component is a feature
    ("hip", "sh"),
    (L_SH, L_EL),
    (R_SH, R_EL),
    (L_EL, L_WR),
    (R_EL, R_WR),
    (L_HIP, L_KN),
    (R_HIP, R_KN),
    (L_KN, L_AN),
    (R_KN, R_AN),
]

MAX_GAP_S = 1.0

#: Joints whose height above the mid-hip (torso lengths, camera vertical) is a posture
#: feature: hands above the head, feet in the air, knees up.
HEIGHT_JOINTS = [NOSE, L_EL, R_EL, L_WR, R_WR, L_KN, R_KN, L_AN, R_AN]
#: Pairs whose distance (torso lengths) is a feature: limbs apart (jacks), hands to feet
#: (burpees, toe touches), knees to chest (crunches, mountain climbers), hands to head.
DISTANCES = [
    (L_WR, R_WR),
    (L_AN, R_AN),
    (L_KN, R_KN),
    (L_WR, L_AN),
    (R_WR, R_AN),
    (L_KN, L_SH),
    (R_KN, R_SH),
    (L_WR, NOSE),
    (R_WR, NOSE),
]
#: (limb from, limb to, side) whose direction is described relative to the torso: along the
#: chest normal (forward: front raise, knee drive) and along the outward shoulder/hip line
#: (sideways: lateral raise, jumping/plank jacks).
LIMBS = [(L_SH, L_EL, 1.0), (R_SH, R_EL, -1.0), (L_HIP, L_KN, 1.0), (R_HIP, R_KN, -1.0)]

N_POS = len(JOINTS) * 3
N_STATIC = N_POS + len(ANGLES) + len(SEGMENTS) + 2  # + image torso tilt (cos, sin)
N_IMAGE_MOTION = 3  # mid-hip, left wrist, right wrist dy/dt
N_BASE = 2 * N_STATIC + N_IMAGE_MOTION + 1  # + velocities + present flag
#: Posture block (appended, so the slices above keep their meaning): chest normal up/down
#: (lying on the back vs the front), limb directions relative to the torso, joint heights,
#: distances; then its velocities.
N_POSTURE = 1 + 2 * len(LIMBS) + len(HEIGHT_JOINTS) + len(DISTANCES)
#: Image heights (appended last): how high nose, shoulders, hips, wrists and ankles are in
#: the picture (frame heights, up = larger), then the torso's length in the picture. Their
#: absolute values say where the camera stands; the range of a height over a bout, in
#: torso lengths, says which parts of the body travel (pull-up: shoulders, not hands;
#: press: hands, not shoulders; jump: ankles), which hip-centred world joints cannot show.
#: Used by the whole-bout classifier (bout_classifier.image_travel) and the counter.
IMAGE_HEIGHT_POINTS = ["nose", "sh", "hip", L_WR, R_WR, L_AN, R_AN]
N_IMAGE_HEIGHT = len(IMAGE_HEIGHT_POINTS) + 1
#: Vertical speed in the picture (torso lengths / s) of the points IMAGE_MOTION lacks, for
#: the window classifier: the ankles leave the floor only in a jump, the head and
#: shoulders rise in a pull-up and stay put in a press.
IMAGE_SPEED_POINTS = ["nose", "sh", L_AN, R_AN]
FEATURE_DIM = N_BASE + 2 * N_POSTURE + N_IMAGE_HEIGHT + len(IMAGE_SPEED_POINTS)

# Slices used elsewhere (counting picks signals from these).
POS_SLICE = slice(0, N_POS)
ANGLE_SLICE = slice(N_POS, N_POS + len(ANGLES))
SEG_SLICE = slice(N_POS + len(ANGLES), N_POS + len(ANGLES) + len(SEGMENTS))
STATIC_SLICE = slice(0, N_STATIC)
IMAGE_MOTION_SLICE = slice(2 * N_STATIC, 2 * N_STATIC + N_IMAGE_MOTION)
PRESENT_COL = N_BASE - 1
POSTURE_SLICE = slice(N_BASE, N_BASE + N_POSTURE)
IMAGE_HEIGHT_SLICE = slice(N_BASE + 2 * N_POSTURE, N_BASE + 2 * N_POSTURE + N_IMAGE_HEIGHT)
IMAGE_SPEED_SLICE = slice(IMAGE_HEIGHT_SLICE.stop, FEATURE_DIM)

#: Columns the exercise classifier sees: everything except the raw canonical joint
#: positions and their velocities. Positions describe one person's build and one camera
#: more than the movement. The counter still uses them.
LEGACY_CLASSIFIER_COLUMNS = np.array(
    [c for c in range(N_BASE) if not (c < N_POS or N_STATIC <= c < N_STATIC + N_POS)]
)
#: The posture block is mirror-invariant by construction (left/right swap places, values
#: keep their sign) and independent of camera yaw and the person's size.
CLASSIFIER_COLUMNS = np.concatenate(
    [
        LEGACY_CLASSIFIER_COLUMNS,
        np.arange(N_BASE, N_BASE + 2 * N_POSTURE),
        np.arange(IMAGE_SPEED_SLICE.start, IMAGE_SPEED_SLICE.stop),
    ]
)


def mirror(seq: LandmarkSequence) -> LandmarkSequence:
    """The same motion seen in a mirror: flip x and swap left/right landmarks."""
    image = seq.image[:, MIRROR_PERM].copy()
    image[..., 0] = 1.0 - image[..., 0]
    world = seq.world[:, MIRROR_PERM].copy()
    world[..., 0] = -world[..., 0]
    return LandmarkSequence(
        seq.fps,
        image,
        seq.visibility[:, MIRROR_PERM].copy(),
        world,
        seq.present.copy(),
        seq.frame_size,
        seq.duration_s,
    )


def _fill_gaps(x: np.ndarray, present: np.ndarray, max_gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Linear interpolation over runs of missing frames no longer than max_gap."""
    filled = present.copy()
    x = x.copy()
    idx = np.flatnonzero(present)
    if len(idx) == 0:
        return x, filled
    for a, b in zip(idx[:-1], idx[1:], strict=True):
        gap = b - a - 1
        if 0 < gap <= max_gap:
            w = (np.arange(1, gap + 1) / (gap + 1))[:, None, None]
            x[a + 1 : b] = x[a] * (1 - w) + x[b] * w
            filled[a + 1 : b] = True
    return x, filled


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v, axis=-1, keepdims=True) + 1e-6)


def _angle(a, b, c) -> np.ndarray:
    u, v = _unit(a - b), _unit(c - b)
    return np.arccos(np.clip((u * v).sum(-1), -1.0, 1.0)) / np.pi


def static_features(world: np.ndarray, image: np.ndarray, aspect: float) -> np.ndarray:
    """Per-frame features that need no neighbours. world/image: (N, 33, 3), no NaNs."""
    hip = (world[:, L_HIP] + world[:, R_HIP]) / 2
    sh = (world[:, L_SH] + world[:, R_SH]) / 2
    torso = np.linalg.norm(sh - hip, axis=-1)
    torso = np.maximum(torso, 0.05)[:, None, None]
    centred = (world - hip[:, None]) / torso
    # Yaw canonicalisation: rotate about the vertical (y) axis so the hip line is +x.
    hip_line = centred[:, L_HIP] - centred[:, R_HIP]
    yaw = np.arctan2(hip_line[:, 2], hip_line[:, 0])
    c, s = np.cos(yaw)[:, None], np.sin(yaw)[:, None]
    rx = centred[..., 0] * c + centred[..., 2] * s
    rz = -centred[..., 0] * s + centred[..., 2] * c
    canon = np.stack([rx, centred[..., 1], rz], axis=-1)
    pos = canon[:, JOINTS].reshape(len(world), -1)

    angles = np.stack([_angle(world[:, a], world[:, b], world[:, c]) for a, b, c in ANGLES], axis=1)

    def point(k):
        return sh if k == "sh" else hip if k == "hip" else world[:, k]

    # World y points down; "up" component of each segment direction.
    verticals = np.stack([-_unit(point(b) - point(a))[:, 1] for a, b in SEGMENTS], axis=1)

    # Torso tilt in the image plane (pixels made square with the frame aspect).
    ih = (image[:, L_HIP, :2] + image[:, R_HIP, :2]) / 2
    ish = (image[:, L_SH, :2] + image[:, R_SH, :2]) / 2
    d = (ish - ih) * np.array([aspect, 1.0])
    d = _unit(d)
    tilt = np.stack([-d[:, 1], np.abs(d[:, 0])], axis=1)  # |x| -> mirror invariant
    return np.concatenate([pos, angles, verticals, tilt], axis=1).astype(np.float32)


def posture_features(world: np.ndarray) -> np.ndarray:
    """Torso-relative posture (N, N_POSTURE) from world landmarks (N, 33, 3), no NaNs.

    Every value is unchanged by camera yaw, distance and mirroring (a mirrored left arm
    gives the value the right arm had): dot products with the chest normal and with the
    outward shoulder/hip line, heights along the camera vertical, distances.
    """
    hip = (world[:, L_HIP] + world[:, R_HIP]) / 2
    sh = (world[:, L_SH] + world[:, R_SH]) / 2
    torso = np.maximum(np.linalg.norm(sh - hip, axis=-1), 0.05)[:, None]
    spine = _unit(sh - hip)
    shoulder_line = _unit(world[:, L_SH] - world[:, R_SH])
    hip_line = _unit(world[:, L_HIP] - world[:, R_HIP])
    # Chest normal (front of the body). World y points down, so -y is "up": + when lying
    # on the back (sit-ups, bridges), - when face down (push-ups, planks).
    normal = _unit(np.cross(shoulder_line, spine))
    cols = [-normal[:, 1:2]]
    for a, b, side in LIMBS:
        u = _unit(world[:, b] - world[:, a])
        outward = side * (shoulder_line if a in (L_SH, R_SH) else hip_line)
        cols += [(u * normal).sum(-1, keepdims=True), (u * outward).sum(-1, keepdims=True)]
    cols.append(-(world[:, HEIGHT_JOINTS, 1] - hip[:, None, 1]) / torso)
    d = [np.linalg.norm(world[:, a] - world[:, b], axis=-1) for a, b in DISTANCES]
    cols.append(np.stack(d, axis=1) / torso)
    return np.concatenate(cols, axis=1).astype(np.float32)


def _image_torso_scale(image: np.ndarray, aspect: float) -> np.ndarray:
    """Torso length in the image (frame heights), per frame, smoothed.

    Torso length in the image is noisy frame to frame; a running median would need the
    future, so a causal exponential average keeps streaming == batch trivially."""
    ih = (image[:, L_HIP, :2] + image[:, R_HIP, :2]) / 2
    ish = (image[:, L_SH, :2] + image[:, R_SH, :2]) / 2
    torso_px = np.linalg.norm((ish - ih) * np.array([aspect, 1.0]), axis=-1)
    scale = np.empty_like(torso_px)
    acc = None
    for i, v in enumerate(torso_px):
        acc = v if acc is None else 0.9 * acc + 0.1 * v
        scale[i] = max(acc, 0.02)
    return scale


def _image_y(image: np.ndarray, point) -> np.ndarray:
    """Image y of a landmark, or of the mid-shoulder ("sh") / mid-hip ("hip") / nose."""
    if point == "sh":
        return (image[:, L_SH, 1] + image[:, R_SH, 1]) / 2
    if point == "hip":
        return (image[:, L_HIP, 1] + image[:, R_HIP, 1]) / 2
    return image[:, NOSE if point == "nose" else point, 1]


def _vertical_speed(heights: np.ndarray, scale: np.ndarray, fps: float) -> np.ndarray:
    """Per-frame rate of change of heights (up = larger), in torso lengths per second."""
    rise = np.vstack([np.zeros((1, heights.shape[1])), np.diff(heights, axis=0)])
    return rise * fps / scale[:, None]


def image_motion(image: np.ndarray, scale: np.ndarray, fps: float) -> np.ndarray:
    """Vertical speed of mid-hip and wrists in the image, in torso lengths per second
    (`scale`: `_image_torso_scale`)."""
    heights = np.stack([-_image_y(image, k) for k in ("hip", L_WR, R_WR)], axis=1)
    return _vertical_speed(heights, scale, fps).astype(np.float32)


def image_heights(image: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Height of IMAGE_HEIGHT_POINTS in the picture (frame heights, up = larger) and the
    torso length `scale` (a per-frame ratio would move still joints whenever the torso's
    length in the picture changes, e.g. leaning forward)."""
    ys = [-_image_y(image, k) for k in IMAGE_HEIGHT_POINTS]
    return np.stack([*ys, scale], axis=1).astype(np.float32)


def settled_frames(n: int, fps: float) -> int:
    """How many leading frames of an n-frame sequence have final features: filling a gap
    waits for the person to come back, at most MAX_GAP_S later; everything else looks back."""
    return max(0, n - int(round(MAX_GAP_S * fps)) - 1)


def sequence_features(seq: LandmarkSequence) -> tuple[np.ndarray, np.ndarray]:
    """(features (N, FEATURE_DIM), usable (N,) bool) for a landmark sequence."""
    n = len(seq)
    if n == 0:
        return np.zeros((0, FEATURE_DIM), np.float32), np.zeros(0, bool)
    max_gap = int(round(MAX_GAP_S * seq.fps))
    world, usable = _fill_gaps(np.nan_to_num(seq.world), seq.present, max_gap)
    image, _ = _fill_gaps(np.nan_to_num(seq.image), seq.present, max_gap)
    w, h = seq.frame_size
    aspect = (w / h) if h else 1.0
    st = static_features(world, image, aspect)
    st[~usable] = 0.0
    vel = np.vstack([np.zeros((1, st.shape[1]), np.float32), np.diff(st, axis=0)]) * seq.fps
    # No velocity across a person appearing / disappearing.
    edge = np.concatenate([[True], usable[1:] != usable[:-1]]) | ~usable
    vel[edge] = 0.0
    vel = np.clip(vel, -20, 20)
    scale = _image_torso_scale(image, aspect)
    im = image_motion(image, scale, seq.fps)
    im[edge] = 0.0
    im = np.clip(im, -20, 20)
    post = posture_features(world)
    post[~usable] = 0.0
    post_vel = np.vstack([np.zeros((1, post.shape[1]), np.float32), np.diff(post, axis=0)])
    post_vel = np.clip(post_vel * seq.fps, -20, 20)
    post_vel[edge] = 0.0
    heights = image_heights(image, scale)
    heights[~usable] = 0.0
    cols = [IMAGE_HEIGHT_POINTS.index(k) for k in IMAGE_SPEED_POINTS]
    speed = np.clip(_vertical_speed(heights[:, cols], scale, seq.fps), -20, 20)
    speed[edge] = 0.0
    feats = np.concatenate(
        [
            st,
            vel / 10.0,
            im / 10.0,
            usable[:, None].astype(np.float32),
            post,
            post_vel / 10.0,
            heights,
            speed / 10.0,
        ],
        axis=1,
    )
    return np.nan_to_num(feats).astype(np.float32), usable
