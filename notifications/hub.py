"""Hands new events to the sockets of this web process (one hub per event loop: daphne runs
one). The hub reads the event table once every NOTIFICATIONS_POLL_S while any socket is
open, whatever their number, and sends each event to its user's sockets.

Events are read by their creation time on the database's clock, looking GRACE back: a
row inserted before another may commit after it (PostgreSQL hands out ids and times at
insert), so a read by "newer than the newest seen" alone could skip it for good. Ids
already sent within that window are remembered and not sent twice."""

import asyncio
import logging
import weakref
from collections import defaultdict
from datetime import timedelta

from channels.db import database_sync_to_async
from django.conf import settings

from notifications import selectors

log = logging.getLogger(__name__)

GRACE = timedelta(seconds=10)


class EventHub:
    def __init__(self):
        self.sockets: dict[int, set] = defaultdict(set)
        self.task: asyncio.Task | None = None
        self.starting = asyncio.Lock()
        self.newest = None  # creation time of the newest event seen (database clock)
        self.sent: dict[int, object] = {}  # event id -> its creation time, within GRACE

    async def join(self, user_id: int, socket) -> None:
        """From now on `socket.send_event(payload)` gets the user's events. Returns once
        the hub reads events: whatever is created after this call reaches the socket."""
        async with self.starting:
            if self.task is None or self.task.done():
                await database_sync_to_async(self._start)()
                self.task = asyncio.create_task(self._run())
        self.sockets[user_id].add(socket)

    def leave(self, user_id: int, socket) -> None:
        sockets = self.sockets.get(user_id)
        if sockets is not None:
            sockets.discard(socket)
            if not sockets:
                del self.sockets[user_id]

    def _start(self):
        # What exists now is history: only later events are sent.
        self.newest = selectors.newest_event_time()
        self.sent = {}
        if self.newest is not None:
            for row in selectors.events_since(self.newest - GRACE):
                self.sent[row["id"]] = row["created_at"]

    def _new_events(self) -> list[dict]:
        since = None if self.newest is None else self.newest - GRACE
        fresh = [row for row in selectors.events_since(since) if row["id"] not in self.sent]
        for row in fresh:
            self.sent[row["id"]] = row["created_at"]
            if self.newest is None or row["created_at"] > self.newest:
                self.newest = row["created_at"]
        if self.newest is not None:
            horizon = self.newest - GRACE
            self.sent = {i: t for i, t in self.sent.items() if t >= horizon}
        return fresh

    async def _run(self):
        while self.sockets:
            await asyncio.sleep(settings.NOTIFICATIONS_POLL_S)
            try:
                rows = await database_sync_to_async(self._new_events)()
            except Exception:  # the database away for a moment: try again at the next beat
                log.exception("reading new events failed")
                continue
            for row in rows:
                for socket in list(self.sockets.get(row["user_id"], ())):
                    await socket.send_event(row["payload"])


_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, EventHub]" = (
    weakref.WeakKeyDictionary()
)


def hub() -> EventHub:
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = EventHub()
    return _hubs[loop]
