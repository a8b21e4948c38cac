"""Image heights and speeds: which parts of the body travel in the picture."""

import numpy as np

from inference import bout_classifier
from inference.features import (
    IMAGE_HEIGHT_SLICE,
    IMAGE_SPEED_POINTS,
    IMAGE_SPEED_SLICE,
    L_AN,
    R_AN,
    mirror,
    sequence_features,
)
from inference.landmarks import LandmarkSequence
from tests.inference.synth_clips import FPS, _skeleton, squat_sequence


def _jumps(n_jumps=5, period_s=1.0, height=0.25):
    n = int(n_jumps * period_s * FPS)
    t = np.arange(n) / FPS
    lift = height * np.abs(np.sin(np.pi * t / period_s))
    world, image = zip(*(_skeleton(0.0, jump=h) for h in lift), strict=True)
    world, image = np.stack(world), np.stack(image)
    vis = np.full((n, 33), 0.95, np.float32)
    return LandmarkSequence(FPS, image, vis, world, np.ones(n, bool), (640, 360), n / FPS)


def _ankle_speed(feats):
    cols = [IMAGE_SPEED_POINTS.index(k) for k in (L_AN, R_AN)]
    return np.abs(feats[:, IMAGE_SPEED_SLICE][:, cols] * 10.0).max()


def _travel(feats):
    return np.exp(bout_classifier.image_travel(feats[:, IMAGE_HEIGHT_SLICE])) - 0.05


def test_only_a_jump_moves_the_ankles_in_the_picture():
    squat, _ = squat_sequence(n_reps=4, noise=0.0)
    f_squat, _ = sequence_features(squat)
    f_jump, _ = sequence_features(_jumps())
    assert _ankle_speed(f_squat) < 0.05 < 1.0 < _ankle_speed(f_jump)
    # squat: head, shoulders and hips travel, feet stay on the floor; jump: all of them
    assert _travel(f_squat)[:3].min() > 0.3 and _travel(f_squat)[5:].max() < 0.02
    assert _travel(f_jump).min() > 0.3


def test_image_features_of_a_mirror_image_give_the_same_bout_statistics():
    seq, _ = squat_sequence(n_reps=3)
    f, u = sequence_features(seq)
    m, _ = sequence_features(mirror(seq))
    np.testing.assert_allclose(
        bout_classifier.image_travel(f[u][:, IMAGE_HEIGHT_SLICE]),
        bout_classifier.image_travel(m[u][:, IMAGE_HEIGHT_SLICE]),
        atol=1e-5,
    )
