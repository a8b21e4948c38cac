"""Which person to follow when several are in view: the one who exercises.

BlazePose's tracking loop follows the first person the detector returned until it loses
them. With a trainer crouching beside the client or a spotter behind the bench, that can be
the wrong person for the whole clip. So once a second (`SCAN_EVERY` analysis frames) the
detector looks at the whole frame again. When it finds other people, each gets a short
skeleton of its own (one landmark-model run) and a history of its joint angles; the
followed person's angles are sampled at the same moments. A person whose joints have moved
`SWITCH_RATIO` times as much as the followed person's over the last `HISTORY` scans, and
clearly at all (`MIN_MOTION`), is the one exercising: tracking moves to them.

One person in view costs one detector run a second and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Scan for other people every this many frames (1 s at the 10/s analysis rate).
SCAN_EVERY = 10
#: Joint-angle samples kept per person (6 s of scans): a few repetitions of most exercises.
HISTORY = 6
#: Fewest samples of a person before their motion is compared.
MIN_SAMPLES = 4
#: Another person must move this many times as much as the followed one ...
SWITCH_RATIO = 2.0
#: ... and at least this much (sum over the joints of the angles' standard deviations, in
#: degrees): landmark jitter of a still person stays under it, any repetition is well over.
MIN_MOTION = 20.0
#: A detection whose hip centre is this close to a person's (in body radii: hip centre to
#: the top of the body's enclosing circle) is that person, in the same frame ...
SAME_FRAME_RADII = 0.5
#: ... or at the previous scan, a second earlier.
NEXT_SCAN_RADII = 1.0

# (a, b, c): the angle at b of elbows, shoulders, hips and knees (BlazePose indices).
_JOINTS = np.array(
    [
        (11, 13, 15),
        (12, 14, 16),
        (13, 11, 23),
        (14, 12, 24),
        (11, 23, 25),
        (12, 24, 26),
        (23, 25, 27),
        (24, 26, 28),
    ]
)


def joint_angles(world: np.ndarray) -> np.ndarray:
    """(8,) angles in degrees at elbows, shoulders, hips and knees of (33, 3) landmarks."""
    a, b, c = world[_JOINTS[:, 0]], world[_JOINTS[:, 1]], world[_JOINTS[:, 2]]
    u, v = a - b, c - b
    cos = (u * v).sum(1) / np.maximum(np.linalg.norm(u, axis=1) * np.linalg.norm(v, axis=1), 1e-9)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


@dataclass(frozen=True)
class Place:
    """Where a person is: hip centre (pixels) and body radius (pixels). The detector's
    keypoints 0 and 1 and the landmark model's two auxiliary landmarks both give these."""

    x: float
    y: float
    radius: float

    def near(self, other: Place, radii: float) -> bool:
        d = float(np.hypot(self.x - other.x, self.y - other.y))
        return d < radii * max(self.radius, other.radius, 1e-6)


def motion(angles: list[np.ndarray]) -> float:
    """How much a person's joints moved over their samples (0 with too few samples)."""
    if len(angles) < MIN_SAMPLES:
        return 0.0
    return float(np.std(np.stack(angles), axis=0).sum())


@dataclass
class Seen:
    """One look at a person: where they are, their joint angles, and the two auxiliary
    landmarks from which the next look's region of interest is made."""

    place: Place
    angles: np.ndarray  # (8,) joint_angles
    aux: np.ndarray  # (2, 3) frame-normalised


@dataclass
class Person:
    """Someone else in view, looked at once a scan."""

    place: Place
    aux: np.ndarray
    angles: list[np.ndarray] = field(default_factory=list)
    missed: int = 0  # scans in a row they were not found
    fresh: bool = False  # seen at this scan

    def note(self, seen: Seen) -> None:
        self.place, self.aux, self.fresh, self.missed = seen.place, seen.aux, True, 0
        self.angles = (self.angles + [seen.angles])[-HISTORY:]


@dataclass
class Switch:
    """Follow this person from the next frame on: their auxiliary landmarks."""

    aux: np.ndarray


class PeopleInView:
    """The followed person's and the others' joint-angle histories, scan by scan. A person
    found once is looked at again where they were, whether or not the detector finds them
    at the next scan (it misses small or lying people now and then)."""

    def __init__(self):
        self.frames = 0
        self.followed: list[np.ndarray] = []
        self.others: list[Person] = []

    def scan_due(self) -> bool:
        self.frames += 1
        return self.frames % SCAN_EVERY == 0

    def forget(self) -> None:
        """The followed person was lost: whoever is detected next starts afresh."""
        self.followed = []
        self.others = []

    def update(self, own: Seen, detections: list[Place], look_at, look_again) -> Switch | None:
        """One scan. `own`: the followed person now; `detections`: everyone the detector
        found; `look_at(i)`: a look at detection i, `look_again(aux)`: a look where a person
        was at the last scan, each a `Seen` or None. Returns a `Switch` when someone else is
        clearly the one exercising."""
        self.followed = (self.followed + [own.angles])[-HISTORY:]
        for p in self.others:
            p.fresh = False
        for i, place in enumerate(detections):
            if place.near(own.place, SAME_FRAME_RADII):
                continue
            seen = look_at(i)
            if seen is not None:
                self._match(place, seen).note(seen)
        for p in self.others:
            if p.fresh:
                continue
            seen = look_again(p.aux)
            if seen is not None and not seen.place.near(own.place, SAME_FRAME_RADII):
                p.note(seen)
            else:
                p.missed += 1
        self.others = [p for p in self.others if p.missed <= 1]
        return self._switch(own)

    def _match(self, place: Place, seen: Seen) -> Person:
        """The person of the last scan nearest to `place`, or a new one."""
        free = [p for p in self.others if not p.fresh]
        near = [p for p in free if place.near(p.place, NEXT_SCAN_RADII)]
        if near:
            return min(near, key=lambda p: np.hypot(p.place.x - place.x, p.place.y - place.y))
        person = Person(seen.place, seen.aux)
        self.others.append(person)
        return person

    def _switch(self, own: Seen) -> Switch | None:
        mine = motion(self.followed)
        movers = [p for p in self.others if p.fresh]
        if not movers:
            return None
        best = max(movers, key=lambda p: motion(p.angles))
        theirs = motion(best.angles)
        if theirs < MIN_MOTION or theirs < SWITCH_RATIO * mine:
            return None
        # Swap roles: the newly followed person keeps their history, the other one waits.
        self.others.remove(best)
        self.others.append(Person(own.place, own.aux, self.followed))
        self.followed = best.angles
        return Switch(best.aux)

    def state(self) -> dict[str, np.ndarray]:
        """Arrays that carry the histories to another process (see `restore`)."""
        out = {"people_frames": np.array([self.frames])}
        if self.followed:
            out["people_followed"] = np.stack(self.followed)
        for k, p in enumerate(self.others):
            out[f"people_place_{k}"] = np.array([p.place.x, p.place.y, p.place.radius])
            out[f"people_aux_{k}"] = np.asarray(p.aux)
            out[f"people_missed_{k}"] = np.array([p.missed])
            if p.angles:
                out[f"people_angles_{k}"] = np.stack(p.angles)
        return out

    def restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.frames = int(arrays.pop("people_frames", np.array([0]))[0])
        followed = arrays.pop("people_followed", None)
        self.followed = list(followed) if followed is not None else []
        self.others = []
        k = 0
        while f"people_place_{k}" in arrays:
            angles = arrays.pop(f"people_angles_{k}", None)
            place = Place(*(float(v) for v in arrays.pop(f"people_place_{k}")))
            person = Person(place, arrays.pop(f"people_aux_{k}"))
            person.angles = list(angles) if angles is not None else []
            person.missed = int(arrays.pop(f"people_missed_{k}")[0])
            self.others.append(person)
            k += 1
