"""Probe servers over and over while something else happens, keeping what each call got and
how long it took (integration tests and bench/bench_direct_upload.py). No Django here."""

import asyncio
import json
import threading
import time
from dataclasses import dataclass

import websockets


@dataclass(frozen=True)
class Call:
    at: float  # time.monotonic() when it started
    seconds: float
    result: object  # what the probe returned, or the exception it raised


class Poller(threading.Thread):
    """Calls `probe()` every `pause_s` until `stopped` is set."""

    def __init__(self, probe, pause_s: float = 0.05):
        super().__init__(daemon=True)
        self.probe, self.pause_s = probe, pause_s
        self.stopped = threading.Event()
        self.calls: list[Call] = []

    def run(self):
        while not self.stopped.is_set():
            self.calls.append(self.timed(self.probe))
            time.sleep(self.pause_s)

    @staticmethod
    def timed(probe) -> Call:
        start = time.monotonic()
        try:
            result = probe()
        except Exception as error:  # a refused or timed-out call is a result too
            result = error
        return Call(start, time.monotonic() - start, result)

    def between(self, start: float, end: float) -> list[Call]:
        return [call for call in self.calls if start <= call.at <= end]

    def stop(self, timeout_s: float = 15) -> None:
        self.stopped.set()
        self.join(timeout_s)


class LiveSocketPinger(Poller):
    """A live WebSocket (`ws://.../api/v1/live/`) authenticated with `token`, pinged every
    `pause_s` until stopped: daphne answers each ping (result "pong") while it is not
    stalled. `ready` is set once the socket is open and authenticated."""

    def __init__(self, url: str, token: str, *, timeout_s: float, pause_s: float = 0.1):
        super().__init__(probe=None, pause_s=pause_s)
        self.url, self.token, self.timeout_s = url, token, timeout_s
        self.ready = threading.Event()

    def run(self):
        asyncio.run(self.ping_until_stopped())

    async def ping_until_stopped(self):
        async with websockets.connect(self.url, open_timeout=self.timeout_s) as ws:
            await ws.send(json.dumps({"type": "auth", "token": self.token}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), self.timeout_s))
            assert answer["type"] == "ready", answer
            self.ready.set()
            while not self.stopped.is_set():
                start = time.monotonic()
                try:
                    await asyncio.wait_for(await ws.ping(), self.timeout_s)
                    result = "pong"
                except TimeoutError as error:
                    result = error
                self.calls.append(Call(start, time.monotonic() - start, result))
                await asyncio.sleep(self.pause_s)
