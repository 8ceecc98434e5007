"""POST JSON to a URL safely: resolve once, check every address, connect to the checked IP.

The connection is pinned to the address that passed the checks (no second DNS lookup,
so DNS rebinding cannot swap it), while the original host name is sent in the ``Host``
header and used for TLS SNI and certificate verification. Redirects are followed by
hand and every ``Location`` goes through the same checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import certifi
import urllib3
from urllib3.exceptions import HTTPError as Urllib3HTTPError

from crm_platform.outbound.addresses import UnsafeURLError, current_policy, resolve, split_url

MAX_BODY_CHARS = 4096
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
USER_AGENT = "crm-platform-webhooks/1"
# Headers not forwarded when a redirect leaves the original host.
_CREDENTIAL_HEADERS = {"authorization", "cookie", "proxy-authorization"}


class OutboundError(Exception):
    """A network error, timeout, TLS failure or too many redirects while sending a request."""


@dataclass(frozen=True)
class OutboundResponse:
    """The final response: status, body (truncated to a few KB), headers and the URL that answered."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    final_url: str = ""


def _encode(payload: Any) -> bytes:
    if isinstance(payload, bytes):
        return payload
    if isinstance(payload, str):
        return payload.encode("utf-8")
    return json.dumps(payload, separators=(",", ":"), default=str).encode("utf-8")


def _host_header(host: str, port: int, scheme: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    default = 443 if scheme == "https" else 80
    return shown if port == default else f"{shown}:{port}"


def _send_once(method: str, url: str, body: bytes | None, headers: dict[str, str], timeout: float) -> urllib3.BaseHTTPResponse:
    parts, host, port = split_url(url)
    scheme = parts.scheme.lower()
    try:
        ip = resolve(host, port, current_policy())
    except OSError as exc:
        raise OutboundError(f"could not resolve {host}: {exc}") from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    sent = {k: v for k, v in headers.items() if k.lower() != "host"}
    sent["Host"] = _host_header(host, port, scheme)
    options: dict[str, Any] = {
        "host": str(ip),
        "port": port,
        "timeout": urllib3.Timeout(connect=timeout, read=timeout),
        "retries": False,
        "maxsize": 1,
    }
    if scheme == "https":
        name = host.rstrip(".")
        options.update(server_hostname=name, assert_hostname=name, cert_reqs="CERT_REQUIRED", ca_certs=certifi.where())
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(**options)
    else:
        pool = urllib3.HTTPConnectionPool(**options)
    try:
        return pool.urlopen(
            method, path, body=body, headers=sent, redirect=False, retries=False,
            assert_same_host=False, preload_content=False,
        )
    except Urllib3HTTPError as exc:
        raise OutboundError(f"request to {host} failed: {exc.__class__.__name__}: {exc}") from None
    except OSError as exc:
        raise OutboundError(f"request to {host} failed: {exc}") from None


def _read(response: urllib3.BaseHTTPResponse) -> str:
    try:
        data = response.read(MAX_BODY_CHARS * 4, decode_content=True)
    except (Urllib3HTTPError, OSError):
        data = b""
    finally:
        response.release_conn()
        response.close()
    return data.decode("utf-8", errors="replace")[:MAX_BODY_CHARS]


def post_json(
    url: str,
    payload: Any,
    headers: dict[str, str] | None = None,
    timeout: float = 10.0,
    max_redirects: int = 3,
) -> OutboundResponse:
    """POST ``payload`` as JSON to ``url`` under the instance's SSRF policy.

    ``payload`` is any JSON-serialisable value, or ``bytes``/``str`` sent as is (so a
    caller can sign the exact body). ``headers`` are added to the request; ``timeout``
    applies to connecting and to each read. Redirects (at most ``max_redirects``) are
    re-validated; 307/308 repeat the POST, 301/302/303 continue with a GET.

    Raises UnsafeURLError when a URL or resolved address is not allowed (no request is
    made to it) and OutboundError for network errors, timeouts and redirect loops.
    """
    body: bytes | None = _encode(payload)
    method = "POST"
    sent = {"User-Agent": USER_AGENT, "Content-Type": "application/json", "Accept": "*/*"}
    sent.update(headers or {})
    current = url
    _, first_host, _ = split_url(url)
    for hop in range(max_redirects + 1):
        response = _send_once(method, current, body, sent, timeout)
        location = response.headers.get("Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return OutboundResponse(
                status=response.status,
                body=_read(response),
                headers={k: v for k, v in response.headers.items()},
                final_url=current,
            )
        _read(response)
        if hop == max_redirects:
            break
        current = urljoin(current, location)
        _, next_host, _ = split_url(current)
        if next_host != first_host:
            sent = {k: v for k, v in sent.items() if k.lower() not in _CREDENTIAL_HEADERS}
        if response.status in {301, 302, 303}:
            method, body = "GET", None
            sent = {k: v for k, v in sent.items() if k.lower() != "content-type"}
    raise OutboundError(f"too many redirects (more than {max_redirects})")


__all__ = ["OutboundError", "OutboundResponse", "UnsafeURLError", "post_json"]
