"""ETags from a version of the data instead of from the body, so a revalidation that finds
nothing changed answers 304 before any query for the data runs, and nothing is rendered.

Every GET answer already carries an ETag hashed from its body (Django's
ConditionalGetMiddleware, coach.settings): always right, but the whole answer is built to
compute it. A view that can name a version of everything its answer shows (the user's
change stamp, users.change_stamps) answers through `conditional_on_version` instead; the
middleware keeps a header it finds set.
"""

import hashlib
from collections.abc import Callable

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.cache import parse_etags


def version_etag(request, version: str, *depends_on) -> str:
    """A strong ETag for this answer while the data stays at `version`. Besides the version
    the answer depends on: who asks, the full URL (query parameters; links in the body name
    scheme and host), the negotiated media type, and `depends_on` (e.g. today's date)."""
    parts = [
        str(request.user.pk),
        version,
        request.build_absolute_uri(),
        getattr(request, "accepted_media_type", "") or "",
        *map(str, depends_on),
    ]
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()
    return f'"{digest}"'


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")  # gzip (coach.compression) weakens the tag it sends


def not_modified(request, etag: str) -> HttpResponse | None:
    """A 304 when If-None-Match names `etag` (weak comparison, as RFC 9110 has for GET).
    `*` is left to the full answer: it matches only a resource that exists."""
    tags = parse_etags(request.META.get("HTTP_IF_NONE_MATCH", ""))
    if tags == ["*"] or _opaque(etag) not in {_opaque(tag) for tag in tags}:
        return None
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


def conditional_on_version(
    request, version: str | None, answer: Callable[[], HttpResponse], *depends_on
) -> HttpResponse:
    """304 if the client holds this version's answer, else `answer()` with its ETag.

    Read `version` before anything the answer shows: a change committed in between then
    leaves an answer newer than its tag, which the next revalidation finds changed (the
    reverse would be a stale 304). None (no version known) answers in full with the
    body's ETag."""
    if version is None:
        return answer()
    etag = version_etag(request, version, *depends_on)
    if (unchanged := not_modified(request, etag)) is not None:
        return unchanged
    response = answer()
    if response.status_code == 200:
        response["ETag"] = etag
    return response
