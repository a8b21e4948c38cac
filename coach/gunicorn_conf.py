"""gunicorn settings for production HTTP: `gunicorn -c python:coach.gunicorn_conf coach.wsgi`.

Each setting can still be given on the command line or in GUNICORN_CMD_ARGS, which win.
"""

import os


def _cores() -> int:
    # The cores this process may run on (a container's cpuset), not the host's count.
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


bind = "0.0.0.0:8000"
# Sync workers: a request holds one process, so a big upload or a slow query stalls only
# its own worker. 2 x cores + 1 keeps the cores busy while some workers wait on the
# database or the disk. WEB_CONCURRENCY sets the count outright.
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * _cores() + 1))
# A worker that answers nothing for this long is replaced. Long enough for the largest
# direct upload that the proxy hands over at once (it buffers the body) to be written and
# checked by decoding; the proxy's own timeouts cover clients that are merely slow.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
# Workers tell the master they are alive through a file: on tmpfs in containers, so a
# busy disk cannot make a worker look dead (/dev/shm, where it exists).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
