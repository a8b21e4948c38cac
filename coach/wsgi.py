"""WSGI entry point: production HTTP, served by gunicorn's worker processes
(coach/gunicorn_conf.py). WebSockets (live workouts) are served by daphne beside it
(coach/asgi.py); the reverse proxy in docker/ sends each path to its server.

A WSGI server hands the body over as a stream that Django reads as it parses, so a large
upload goes to disk piece by piece (workouts.uploads.direct) instead of being gathered in
memory first, as an ASGI server's request queue does.
"""

import os

import django
from django.core.handlers.wsgi import WSGIHandler
from django.core.handlers.wsgi import WSGIRequest as DjangoWSGIRequest

from coach.chunked import is_chunked_without_length

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coach.settings.local")


class WSGIRequest(DjangoWSGIRequest):
    """Django reads a body without Content-Length as empty. A chunked one (tus-java-client's
    PATCH) is read to its end when the server ends `wsgi.input` where the body ends
    (`wsgi.input_terminated`, as gunicorn does): reading past it cannot hang."""

    def __init__(self, environ):
        super().__init__(environ)
        if environ.get("wsgi.input_terminated") and is_chunked_without_length(environ):
            self._stream = environ["wsgi.input"]


class CoachWSGIHandler(WSGIHandler):
    request_class = WSGIRequest


def get_wsgi_application() -> CoachWSGIHandler:
    django.setup(set_prefix=False)  # as django.core.wsgi.get_wsgi_application does
    return CoachWSGIHandler()


application = get_wsgi_application()
