"""Which webhook URLs the server may call. A webhook makes the server send requests where a
user says: left open, that reaches the server's own network (a database, a cloud metadata
service at 169.254.169.254, an admin page on localhost). So only http(s), no credentials in
the URL, and every address the host name resolves to must be public, unless
NOTIFICATIONS_ALLOW_PRIVATE_URLS (tests, a self-hosted receiver on the same network). The
check is made at registration and again when connecting, on the very address connected to
(a name may resolve elsewhere by then)."""

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from django.conf import settings


class UrlRefused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def split_url(url: str) -> SplitResult:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UrlRefused("unsupported_scheme", "Webhook URLs must start with http:// or https://.")
    if not parts.hostname:
        raise UrlRefused("invalid", "The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UrlRefused("credentials_in_url", "Put no user name or password in the URL.")
    try:
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError:
        raise UrlRefused("invalid", "The URL's port is not valid.")
    return parts


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def allowed_addresses(parts: SplitResult) -> list[tuple]:
    """getaddrinfo's answers for the URL's host, all of them allowed; raises UrlRefused."""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        answers = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UrlRefused("unresolvable_host", f"The host {parts.hostname!r} does not resolve.")
    if not settings.NOTIFICATIONS_ALLOW_PRIVATE_URLS:
        for *_, sockaddr in answers:
            if not _is_public(sockaddr[0]):
                raise UrlRefused(
                    "private_address",
                    f"The host {parts.hostname!r} resolves to a private, loopback or reserved "
                    "address; webhooks go to public addresses only.",
                )
    return answers


def check_url(url: str) -> None:
    allowed_addresses(split_url(url))
