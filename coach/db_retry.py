"""A read that met a dropped database connection is tried once more on a fresh one.

A PostgreSQL restart or failover kills the open connections; the next query on each fails
once, though the server is back. GET and HEAD change nothing, so they are safe to run
again: the broken connection is closed (Django opens a new one on the next query) and the
request runs once more. Writes are not retried (they may have been applied); they answer
503 with Retry-After (coach.api.errors).
"""

from django import db

SAFE_METHODS = {"GET", "HEAD"}


class RetryReadOnDroppedConnection:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in SAFE_METHODS and _database_unavailable(response):
            db.connections.close_all()
            response = self.get_response(request)
        return response


def _database_unavailable(response) -> bool:
    return (
        response.status_code == 503
        and getattr(response, "data", None) is not None
        and any(e.get("code") == "database_unavailable" for e in response.data.get("errors", []))
    )
