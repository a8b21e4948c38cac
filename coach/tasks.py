"""Tasks that belong to the project as a whole rather than to one app."""

import os
import socket

from celery import shared_task


@shared_task(name="coach.ping")
def ping() -> dict:
    """Health round-trip: proves a worker took a message from the broker and answered."""
    return {"pong": True, "worker": socket.gethostname(), "pid": os.getpid()}
