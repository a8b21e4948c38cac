"""One HTTP POST to a webhook URL, to an address `addresses` allowed: the connection goes to
the address checked, never to a second lookup of the name (TLS still checks the name).
Redirects are not followed (a redirect could lead anywhere)."""

import http.client
import socket
import ssl

from notifications.addresses import allowed_addresses, split_url

MAX_RESPONSE_BYTES = 64 * 1024


def _pinned(connection: http.client.HTTPConnection, sockaddr: tuple):
    def create_connection(address, timeout, source_address=None):
        return socket.create_connection((sockaddr[0], address[1]), timeout, source_address)

    connection._create_connection = create_connection
    return connection


def post(url: str, body: bytes, headers: dict, *, timeout_s: float) -> int:
    """The receiver's status code; raises UrlRefused or OSError (refused, timed out, TLS)."""
    parts = split_url(url)
    sockaddr = allowed_addresses(parts)[0][4]
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, port, timeout=timeout_s, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout_s)
    _pinned(connection, sockaddr)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return response.status
    finally:
        connection.close()
