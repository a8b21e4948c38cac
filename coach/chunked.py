"""Request bodies sent in chunks (`Transfer-Encoding: chunked`), without a Content-Length:
their size is known only once they have been read to their end."""


def is_chunked_without_length(meta) -> bool:
    """`meta`: a request's META, or a WSGI environ."""
    return (
        "CONTENT_LENGTH" not in meta and "chunked" in meta.get("HTTP_TRANSFER_ENCODING", "").lower()
    )
