"""The console's two guards: a CSRF token on every form, and the operator's token.

CSRF: a random token in a cookie (``SameSite=Strict``, HttpOnly) that every form repeats in
a hidden field; a POST whose field does not match the cookie is refused (403). A request
that carries ``Authorization: Bearer <KIBARU_WEB_TOKEN>`` needs no CSRF token: a browser
never adds that header by itself.

Token: with ``KIBARU_WEB_TOKEN`` set, every page but ``/healthz``, ``/login`` and the static
files needs the bearer token or the session cookie that the login form sets (an HMAC of the
token, so the cookie is not the token itself). Listening on anything but loopback without a
token is refused before the server starts (:func:`check_listen_address`).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets

from fastapi import Request

CSRF_COOKIE = "kibaru_csrf"
CSRF_FIELD = "csrf_token"
SESSION_COOKIE = "kibaru_session"
OPEN_PATHS = ("/healthz", "/login", "/static/")


class ListenError(ValueError):
    """The console may not listen there as configured; the message says what to set."""


def is_loopback(host: str) -> bool:
    """``host`` names only this machine: ``localhost`` or a loopback address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_listen_address(host: str, token: str | None) -> None:
    """Refuse a non-loopback ``host`` without a token (ListenError with the fix)."""
    if not is_loopback(host) and not token:
        raise ListenError(
            f"kibaru web on {host} would be reachable from other machines: set "
            "KIBARU_WEB_TOKEN to a long random secret (e.g. `openssl rand -hex 32`), or "
            "listen on 127.0.0.1"
        )


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_token_of(request: Request) -> str:
    """The request's CSRF token (its cookie's, or the new one the response will set)."""
    token: str | None = getattr(request.state, "csrf_token", None)
    if token is None:
        token = request.cookies.get(CSRF_COOKIE) or new_csrf_token()
        request.state.csrf_token = token
    return token


def csrf_valid(request: Request, submitted: str) -> bool:
    """The form's token matches the cookie's (or the request carries the bearer token)."""
    if getattr(request.state, "bearer", False):
        return True
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    return bool(cookie and submitted) and hmac.compare_digest(cookie, submitted)


def session_value(token: str) -> str:
    """What the session cookie holds for ``token``: an HMAC of it, never the token."""
    return hmac.new(token.encode("utf-8"), b"kibaru-web-session", hashlib.sha256).hexdigest()


def authenticated(request: Request, token: str | None) -> bool:
    """No token configured, or the request carries the bearer token or the session cookie.

    Sets ``request.state.bearer`` when the bearer token was given.
    """
    if not token:
        return True
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
        request.state.bearer = True
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie, session_value(token))


def is_open_path(path: str) -> bool:
    return any(path == open_path or path.startswith(open_path) for open_path in OPEN_PATHS)


def safe_next(target: str | None) -> str:
    """A path on this site to go to after login (never another site)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/sources"
