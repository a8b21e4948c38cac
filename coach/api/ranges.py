"""Byte ranges (RFC 9110 §14) for file downloads: video players seek with `Range` requests,
and Django's FileResponse always sends the whole file. One range per request; a request for
several gets the whole file (allowed by the RFC), an unsatisfiable one a 416."""

import re

from django.http import FileResponse, HttpResponse, StreamingHttpResponse

_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK_BYTES = 64 * 1024


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | str:
    """(first, last) byte, inclusive; None to send the whole file; "unsatisfiable"."""
    match = _SINGLE_RANGE.match((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None  # absent, malformed or several ranges: the whole file
    first, last = match.groups()
    if first == "":  # the last N bytes
        if int(last) == 0:
            return "unsatisfiable"
        return max(0, size - int(last)), size - 1
    first = int(first)
    last = min(int(last), size - 1) if last else size - 1
    if first >= size or last < first:
        return "unsatisfiable"
    return first, last


def _slice(handle, first: int, length: int):
    try:
        handle.seek(first)
        while length > 0:
            block = handle.read(min(CHUNK_BYTES, length))
            if not block:
                break
            length -= len(block)
            yield block
    finally:
        handle.close()


def ranged_file_response(request, handle, size: int, **file_response_kwargs) -> HttpResponse:
    """A FileResponse for the whole file, or 206 Partial Content for the requested range."""
    wanted = parse_range(request.headers.get("Range"), size)
    if wanted == "unsatisfiable":
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if wanted is None:
        response = FileResponse(handle, **file_response_kwargs)
    else:
        first, last = wanted
        response = StreamingHttpResponse(
            _slice(handle, first, last - first + 1),
            status=206,
            content_type=file_response_kwargs.get("content_type"),
        )
        response["Content-Length"] = str(last - first + 1)
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    return response
