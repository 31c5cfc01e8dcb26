"""URL canonicalisation: one spelling per page, so that requests are deduplicated.

Tracking parameters (``utm_*``, ``fbclid``, ``gclid``…) and fragments are dropped, scheme and
host are lower-cased, default ports removed and the query sorted (w3lib does the heavy work).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

# Query parameters that only say where a reader came from; never part of a page's identity.
TRACKING_PARAMETER = re.compile(
    r"^(utm_[a-z_]*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|"
    r"_ga|_gl|ref_src|amp;utm_[a-z_]*|at_medium|at_campaign|xtor|ocid|cmpid)$",
    re.IGNORECASE,
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """The canonical spelling of ``url`` (absolute http(s) URL in, same page out)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    netloc = host
    if parts.port is not None and parts.port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not TRACKING_PARAMETER.match(name)
        ]
    )
    rebuilt = urlunsplit((scheme, netloc, parts.path or "/", query, ""))
    return canonicalize_url(rebuilt, keep_fragments=False)


def host_of(url: str) -> str:
    """The lower-cased host name of ``url`` (no port), or an empty string."""
    return (urlsplit(url).hostname or "").lower()


def is_within(host: str, domains: set[str]) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one of them."""
    host = host.lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in domains)
