"""`GET /healthz`: is the database reachable, is the broker reachable."""

from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.http import require_GET
from kombu.exceptions import LimitExceeded

from coach.celery import app as celery_app


def database_is_reachable() -> bool:
    """A connection dropped since the last request (a restart, a purge) says nothing about
    the server now: it is closed and the check asked once more on a fresh one."""
    for _ in range(2):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                return cursor.fetchone() == (1,)
        except Exception:
            connection.close()
    return False


def _ping(conn) -> None:
    conn.ensure_connection(max_retries=1, timeout=2)
    client = getattr(conn.default_channel, "client", None)
    if client is not None:  # Redis; other transports answer ensure_connection
        client.ping()


def broker_is_reachable() -> bool:
    """Asked on a pooled connection: opening a new one per call cost most of this view.
    Redis is pinged on it (its client reconnects once by itself when the broker restarted
    since the last call); a connection that fails is closed, so the next check starts a
    fresh one."""
    try:
        conn = celery_app.pool.acquire(block=False)
    except LimitExceeded:  # every pooled connection is publishing tasks: ask on a new one
        conn = celery_app.connection_for_write()
    with conn:
        try:
            _ping(conn)
            return True
        except Exception:
            conn.close()
            return False


@require_GET
@transaction.non_atomic_requests  # a request transaction would commit on a dead connection
def healthz(request):
    checks = {"database": database_is_reachable(), "broker": broker_is_reachable()}
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "unavailable",
        "checks": {name: ("ok" if ok else "unreachable") for name, ok in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
