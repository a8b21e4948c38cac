"""When a batch on its way to a worker is lost, so the consumer sends it again.

A worker beats on the batch while it works on it (`live_services.live_batch_heartbeat`:
a counter on the staged row, once when it starts, then every LIVE_BATCH_BEAT_S). The
consumer looks at the counter now and then, by its own clock only:

- the counter moves: a worker is on it, wait;
- it stopped moving for STALL_S: that worker died (a killed process, a lost machine) and
  its message may come back only when the broker gives up on it, if ever: send it again;
- nobody has taken it yet: it waits in the queue, or sits with a worker that died before
  starting it. After PICKUP_S it is sent again, then after twice as long each time, so a
  long queue (or no worker at all) gains a few spare messages, not one per check;
- the row is gone: the batch is analysed and its result on the way; should that not come
  within STALL_S (the worker died between its commit and the result), asking again is
  answered with the current state.

Sending again is always safe: a batch is stored once however often it runs (rows the store
already has are dropped, and the batch's row goes with the commit that stores them).
CHUNK_TIMEOUT_S, past the chunk task's hard time limit, stays as the last resort.
"""

from dataclasses import dataclass, field

CHECK_EVERY_S = 0.25  # how often the consumer reads the counter once a batch is late
FIRST_CHECK_S = 1.0  # most batches come back sooner: no query for them
STALL_S = 2.5  # five beats missed
PICKUP_S = 5.0
CHUNK_TIMEOUT_S = 100.0


@dataclass
class BatchWatch:
    """One staged batch's way to a worker, sent at `sent_at` (a monotonic time)."""

    sent_at: float
    pickup_s: float = field(default_factory=lambda: PICKUP_S)
    beats: int = 0  # the counter as last seen
    changed_at: float = field(init=False)  # when it last moved (or the batch was sent)
    taken: bool = False  # a worker beat since the last send
    checked_at: float = field(init=False)

    def __post_init__(self):
        self.changed_at = self.sent_at
        self.checked_at = self.sent_at + FIRST_CHECK_S - CHECK_EVERY_S

    def check_due(self, now: float) -> bool:
        return now - self.checked_at >= CHECK_EVERY_S

    def lost(self, beats: int | None, now: float) -> str | None:
        """Why the batch must be sent again, given its counter now (None: the row is gone);
        None while it is fine."""
        self.checked_at = now
        if now - self.sent_at >= CHUNK_TIMEOUT_S:
            return "timed out"
        if beats is None:
            if not self.taken or self.beats is not None:
                self.beats, self.changed_at, self.taken = None, now, True
            return "no result after its analysis" if now - self.changed_at >= STALL_S else None
        if beats != self.beats:
            self.beats, self.changed_at, self.taken = beats, now, True
            return None
        if self.taken:
            return "its worker stopped" if now - self.changed_at >= STALL_S else None
        return "no worker took it" if now - self.changed_at >= self.pickup_s else None

    def sent_again(self, now: float) -> None:
        """Waits afresh from `now`; a batch nobody took waits twice as long next time."""
        if not self.taken:
            self.pickup_s = min(self.pickup_s * 2, CHUNK_TIMEOUT_S)
        self.sent_at = self.changed_at = now
        self.checked_at = now + FIRST_CHECK_S - CHECK_EVERY_S
        self.taken = False
