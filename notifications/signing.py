"""The signature of a webhook delivery, and how a receiver checks it (docs/webhooks.md).

The signed text is `<timestamp>.<body>`: the timestamp (Unix seconds, sent in
`Coach-Webhook-Timestamp`) binds the body to the moment it was sent, so a receiver that
refuses old timestamps cannot be fed a recorded delivery again."""

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Coach-Webhook-Signature"
TIMESTAMP_HEADER = "Coach-Webhook-Timestamp"
ID_HEADER = "Coach-Webhook-Id"
SCHEME = "v1"
SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_S = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>` keyed with the whole secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={digest.hexdigest()}"


def verify(
    secret: str, body: bytes, headers, *, now: float, tolerance_s: float = DEFAULT_TOLERANCE_S
) -> bool:
    """What a receiver does (the reference for docs/webhooks.md): the timestamp is recent and
    one of the signatures (comma-separated) matches, compared in constant time."""
    try:
        timestamp = int(headers[TIMESTAMP_HEADER])
    except (KeyError, TypeError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body)
    offered = (headers.get(SIGNATURE_HEADER) or "").split(",")
    return any(hmac.compare_digest(expected, candidate.strip()) for candidate in offered)
