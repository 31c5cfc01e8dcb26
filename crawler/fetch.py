"""One blocking GET outside Scrapy, under the crawl's rules: ``fetch(url, ...)``.

``kibaru extract URL`` and ``kibaru sources check`` fetch through here. Every hop (the first
request and each redirect) is checked against the host rule the caller gives and against the
address policy (:mod:`crawler.netguard`) on the addresses the host resolves to; the
connection then goes to the very address that was checked, so that a second DNS answer
cannot send it elsewhere. The whole fetch (connecting, headers, body, redirects) has one
deadline: a server that sends a byte a second is cut off when it passes, not only one that
goes silent.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawler.netguard import AddressPolicy, UnresolvableHost, resolve

MAX_REDIRECTS = 5  # as the crawl (REDIRECT_MAX_TIMES)
CHUNK = 64 * 1024

HostRule = Callable[[str], str | None]


class FetchError(Exception):
    """A fetch that got no usable answer; ``kind`` is the crawl's error kind (``dns``,
    ``private_address``, ``timeout``, ``too_large``, ``redirect_loop``…)."""

    def __init__(self, kind: str, message: str) -> None:
        self.kind = kind
        super().__init__(message)


@dataclass(frozen=True)
class Fetched:
    """The answer to a fetch: the final URL after redirects, its status, headers and body."""

    url: str
    final_url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def any_host(host: str) -> str | None:
    """A host rule that lets every host through (the address policy still applies)."""
    return None


def fetch(
    url: str,
    *,
    user_agent: str,
    policy: AddressPolicy,
    max_bytes: int,
    timeout: float,
    host_rule: HostRule = any_host,
) -> Fetched:
    """GET ``url``, following up to five redirects; any status is returned, FetchError when
    there is no answer to return. ``host_rule(host)`` says why a host may not be fetched
    (or None); ``timeout`` bounds the whole fetch, in seconds."""
    deadline = _Deadline(timeout, time.monotonic() + timeout)
    seen = [url]
    current = url
    while True:
        status, headers, body = _get_one(
            current, user_agent, policy, host_rule, max_bytes, deadline
        )
        location = headers.get("location")
        if not (300 <= status < 400 and location):
            return Fetched(url=url, final_url=current, status=status, headers=headers, body=body)
        target = urljoin(current, location.strip())
        if target in seen:
            raise FetchError("redirect_loop", f"{url}: redirect loop ({current} → {target})")
        if len(seen) > MAX_REDIRECTS:
            raise FetchError("too_many_redirects", f"{url}: more than {MAX_REDIRECTS} redirects")
        seen.append(target)
        current = target


def _get_one(
    url: str,
    user_agent: str,
    policy: AddressPolicy,
    host_rule: HostRule,
    max_bytes: int,
    deadline: _Deadline,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise FetchError("bad_url", f"{url}: not an http(s) URL")
    reason = host_rule(host)
    if reason:
        raise FetchError(reason, f"{url}: {host} is not one of the source's hosts")
    address = _checked_address(url, host, policy)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError("bad_url", f"{url}: {exc}") from exc
    connection = _connection(parts.scheme, host, port, address, deadline.left(url))
    watchdog = threading.Timer(deadline.left(url), _cut, args=(connection,))
    watchdog.daemon = True
    watchdog.start()
    try:
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        connection.request(
            "GET",
            target,
            headers={
                "User-Agent": user_agent,
                "Accept-Encoding": "identity",
                "Connection": "close",
            },
        )
        response = connection.getresponse()
        headers = {name.lower(): value for name, value in response.getheaders()}
        if 300 <= response.status < 400 and "location" in headers:
            return response.status, headers, b""
        return response.status, headers, _read(response, url, max_bytes, deadline)
    except FetchError:
        raise
    except (OSError, http.client.HTTPException) as exc:
        if time.monotonic() >= deadline.at:
            raise deadline.passed(url) from exc
        raise FetchError(_kind(exc), f"{url}: {_describe(exc)}") from exc
    finally:
        watchdog.cancel()
        connection.close()


def _checked_address(url: str, host: str, policy: AddressPolicy) -> str:
    """The address to connect to: the first one ``host`` resolves to, once every one of them
    has passed the policy."""
    try:
        addresses = resolve(host)
    except UnresolvableHost as exc:
        raise FetchError("dns", f"{url}: {host} does not resolve") from exc
    for address in addresses:
        reason = policy.address_refusal(host, address)
        if reason:
            raise FetchError(
                reason,
                f"{url}: refused, {host} is at {address} ({reason.replace('_', ' ')}); "
                "set KIBARU_ALLOWED_NETWORKS to allow it",
            )
    return addresses[0]


@dataclass(frozen=True)
class _Deadline:
    """When the whole fetch must be over."""

    seconds: float
    at: float

    def left(self, url: str) -> float:
        """Seconds left, or FetchError("timeout") when none are."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise self.passed(url)
        return left

    def passed(self, url: str) -> FetchError:
        return FetchError("timeout", f"{url}: no complete answer within {self.seconds:g} s")


def _read(
    response: http.client.HTTPResponse, url: str, max_bytes: int, deadline: _Deadline
) -> bytes:
    length = response.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise FetchError("too_large", f"{url}: {length} bytes, over the limit of {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    while True:
        deadline.left(url)
        chunk = response.read1(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError("too_large", f"{url}: larger than the limit of {max_bytes} bytes")
        chunks.append(chunk)


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to a given address, whatever the host name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """The same over TLS; the certificate is checked against the host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = raw  # the deadline can cut a handshake that drips too
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def _connection(
    scheme: str, host: str, port: int, address: str, timeout: float
) -> http.client.HTTPConnection:
    kind = _PinnedHTTPS if scheme == "https" else _PinnedHTTP
    return kind(host, port, address, timeout)


def _cut(connection: http.client.HTTPConnection) -> None:
    """The deadline passed: shut the socket, so that a read blocked on it returns at once."""
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _kind(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(exc, ssl.SSLError):
        return "tls"
    return "connection"


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    return str(exc) or type(exc).__name__
