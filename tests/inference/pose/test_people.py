"""Which person the pose backbone follows when several are in view."""

import math

import numpy as np

from inference.pose.litert import LiteRtBlazePoseBackbone
from inference.pose.litert.detector import Detection
from inference.pose.litert.landmarker import RawLandmarks
from inference.pose.litert.people import (
    MIN_SAMPLES,
    SCAN_EVERY,
    PeopleInView,
    Place,
    Seen,
    joint_angles,
    motion,
)


def _skeleton(elbow_deg: float) -> np.ndarray:
    """World landmarks standing upright, both elbows bent to `elbow_deg`."""
    w = np.zeros((33, 3), np.float32)
    for side, x in ((0, -0.2), (1, 0.2)):
        shoulder, hip = 11 + side, 23 + side
        w[shoulder] = (x, -0.5, 0)
        w[13 + side] = (x, -0.2, 0)  # elbow below the shoulder
        a = math.radians(180 - elbow_deg)
        w[15 + side] = (x, -0.2 + 0.3 * math.cos(a), -0.3 * math.sin(a))  # wrist
        w[hip] = (x * 0.5, 0.0, 0)
        w[25 + side] = (x * 0.5, 0.45, 0)
        w[27 + side] = (x * 0.5, 0.9, 0)
    return w


ME = Place(100, 300, 150)
OTHER = Place(500, 300, 150)
MY_AUX = np.array([[0.2, 0.6, 0], [0.2, 0.3, 0]], np.float32)
THEIR_AUX = np.array([[0.8, 0.6, 0], [0.8, 0.3, 0]], np.float32)


def _seen(place, aux, elbow):
    return Seen(place, joint_angles(_skeleton(elbow)), aux)


def _never(*args):
    raise AssertionError("no look expected")


def _scans(people, mine, theirs, n, detected=lambda k: True):
    """n scans: the followed person at elbow angles `mine(k)`, another at `theirs(k)`,
    found by the detector at the scans where `detected(k)`."""
    switches = []
    for k in range(n):
        other = lambda *a, k=k: _seen(OTHER, THEIR_AUX, theirs(k))  # noqa: E731
        switch = people.update(
            _seen(ME, MY_AUX, mine(k)),
            [ME, OTHER] if detected(k) else [ME],
            look_at=other,
            look_again=other,
        )
        switches.append(switch)
        if switch is not None:
            break
    return switches


def curling(k):
    return 60 if k % 2 else 170


def still(k):
    return 170 + (k % 2)  # a degree of jitter


def test_joint_angles_read_the_elbow():
    assert abs(joint_angles(_skeleton(90))[0] - 90) < 1e-3
    assert motion([joint_angles(_skeleton(a)) for a in (60, 170, 60, 170)]) > 100


def test_nobody_else_costs_nothing_and_changes_nothing():
    people = PeopleInView()
    for _ in range(10):
        assert people.update(_seen(ME, MY_AUX, 90), [ME], _never, _never) is None
    assert people.others == []


def test_tracking_moves_to_the_person_who_exercises():
    people = PeopleInView()
    switches = _scans(people, still, curling, MIN_SAMPLES + 1)
    assert all(s is None for s in switches[: MIN_SAMPLES - 1])  # not before enough samples
    switch = next(s for s in switches if s is not None)
    assert switch.aux[0][0] == np.float32(0.8)  # the other person's landmarks
    # the newly followed person keeps their history; the one left waits among the others
    assert motion(people.followed) > 100
    assert len(people.others) == 1 and people.others[0].place == ME


def test_someone_the_detector_misses_now_and_then_is_looked_at_where_they_were():
    people = PeopleInView()
    switches = _scans(people, still, curling, MIN_SAMPLES, detected=lambda k: k == 0)
    assert switches[-1] is not None


def test_someone_who_leaves_is_forgotten():
    people = PeopleInView()
    _scans(people, still, curling, 1)
    for _ in range(2):
        people.update(_seen(ME, MY_AUX, 170), [ME], _never, lambda aux: None)
    assert people.others == []


def test_the_followed_person_exercising_keeps_the_track():
    people = PeopleInView()
    assert all(s is None for s in _scans(people, curling, curling, 8))  # as busy: stay
    assert all(s is None for s in _scans(PeopleInView(), curling, still, 8))


def test_two_people_standing_still_never_switch():
    assert all(s is None for s in _scans(PeopleInView(), still, lambda k: 170 - (k % 3), 8))


def test_histories_survive_a_move_to_another_process():
    people = PeopleInView()
    _scans(people, still, curling, MIN_SAMPLES - 1)
    moved = PeopleInView()
    moved.restore(dict(people.state()))
    # one more scan decides the same way in both
    a = _scans(people, still, curling, 1)[0]
    b = _scans(moved, still, curling, 1)[0]
    assert (a is None) == (b is None) and a is not None
    assert moved.frames == people.frames


# --- in the backbone, with fake models ----------------------------------------------------


class _TwoPeopleDetector:
    """The followed person on the left (hip at x=0.3) and someone on the right (x=0.7)."""

    def __init__(self):
        self.calls = 0

    def _det(self, x):
        kp = np.array([[x, 0.6], [x, 0.3], [0, 0], [0, 0]], np.float32)
        return Detection(0.9, np.zeros(4), kp)

    def detect(self, rgb):
        self.calls += 1
        return self._det(0.3)

    def detect_all(self, rgb, max_out=None):
        self.calls += 1
        return [self._det(0.3), self._det(0.7)]


class _Landmarker:
    """Whoever's ROI is on the right curls; the person on the left stands still."""

    def __init__(self):
        self.runs = 0

    def run(self, rgb, rect):
        self.runs += 1
        right = rect.x_center > 0.5
        angle = (60 if self.runs % 2 else 170) if right else 170
        x = 0.7 if right else 0.3
        aux = np.array([[x, 0.6, 0], [x, 0.3, 0]], np.float32)
        image = np.full((33, 3), x, np.float32)
        return RawLandmarks(0.9, image, np.ones(33, np.float32), aux, _skeleton(angle))


def test_backbone_follows_the_person_exercising_from_the_next_frame():
    bb = LiteRtBlazePoseBackbone(smooth_landmarks=False)
    bb._detector, bb._landmarker = _TwoPeopleDetector(), _Landmarker()
    rgb = np.zeros((100, 100, 3), np.uint8)
    xs = [bb.process(rgb).image[0, 0] for _ in range(SCAN_EVERY * (MIN_SAMPLES + 2))]
    assert xs[0] == np.float32(0.3)
    assert bb.switches == 1
    assert xs[-1] == np.float32(0.7)
    # scans cost one detector run a second plus one landmark run per other person
    assert bb.detector_calls == 1 and bb.scans == len(xs) // SCAN_EVERY
    assert bb._detector.calls == bb.detector_calls + bb.scans
