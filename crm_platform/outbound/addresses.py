"""Which URLs and IP addresses the CRM may send requests to (the SSRF policy).

Every outbound request (webhooks, plugin automations) goes through these checks:
a URL must be ``http``/``https`` with a host and no credentials, a host that is an IP
literal is parsed in every notation a resolver accepts (``2130706433``, ``0177.0.0.1``,
``0x7f.1``, ``127.1``, ``[::ffff:127.0.0.1]``...), and every address a name resolves to
must be a public one. The operator (never a company admin) may allow private targets
with ``CRM_OUTBOUND_ALLOW_PRIVATE=1`` or trust some networks with
``CRM_OUTBOUND_ALLOW_NETWORKS``.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
_HOST_RE = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$")
_NUMBER_RE = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_PRIVATE_V4 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_COMPAT = ipaddress.ip_network("::/96")
# Categories that the operator's "allow private targets" setting unlocks.
_PRIVATE_CATEGORIES = {"loopback", "private", "shared (CGNAT)", "unique-local"}


class UnsafeURLError(ValueError):
    """The URL, or an address its host resolves to, is not allowed as a target (message says why)."""


@dataclass(frozen=True)
class Policy:
    """What the operator allows: private/loopback targets, and networks trusted explicitly."""

    allow_private: bool = False
    allow_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def parse_networks(value: object) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Parse a comma-separated string (or list) of CIDR networks; invalid entries raise ValueError."""
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
    return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items if str(item).strip())


def current_policy() -> Policy:
    """The policy of this instance: the app config inside an app context, else the environment."""
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            config = current_app.config
            return Policy(
                allow_private=_truthy(config.get("OUTBOUND_ALLOW_PRIVATE", False)),
                allow_networks=parse_networks(config.get("OUTBOUND_ALLOW_NETWORKS")),
            )
    except ImportError:  # pragma: no cover - flask is a dependency
        pass
    return Policy(
        allow_private=_truthy(os.environ.get("CRM_OUTBOUND_ALLOW_PRIVATE", "")),
        allow_networks=parse_networks(os.environ.get("CRM_OUTBOUND_ALLOW_NETWORKS", "")),
    )


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, compatible, NAT64, 6to4), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _COMPAT and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    for net in _NAT64:
        if ip in net:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def classify(ip: IPAddress) -> str | None:
    """Return why ``ip`` is not a public unicast address (e.g. ``"loopback"``), or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_unspecified:
            return "unspecified"
        if ip.is_loopback:
            return "loopback"
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return classify(embedded)
        if ip.is_site_local:
            return "site-local"
        if ip in _UNIQUE_LOCAL:
            return "unique-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_link_local:
        return "link-local"
    if ip.is_loopback:
        return "loopback"
    if isinstance(ip, ipaddress.IPv4Address):
        if any(ip in net for net in _PRIVATE_V4):
            return "private"
        if ip in _CGNAT:
            return "shared (CGNAT)"
    if ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


def _trusted(ip: IPAddress, policy: Policy) -> bool:
    """True when ``ip`` (or the IPv4 address it embeds) is in a network the operator trusts."""
    candidates: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and (embedded := _embedded_ipv4(ip)) is not None:
        candidates.append(embedded)
    return any(c.version == net.version and c in net for c in candidates for net in policy.allow_networks)


def check_ip(ip: IPAddress, policy: Policy | None = None, shown: str | None = None) -> None:
    """Raise UnsafeURLError when ``ip`` may not be contacted under ``policy`` (the instance's by default)."""
    policy = policy or current_policy()
    reason = classify(ip)
    if reason is None:
        return
    if reason not in {"unspecified", "multicast"} and _trusted(ip, policy):
        return
    if policy.allow_private and reason in _PRIVATE_CATEGORIES:
        return
    label = f"{shown} ({ip})" if shown and shown != str(ip) else str(ip)
    raise UnsafeURLError(f"{label} is not allowed: {reason} address (only public addresses may be used)")


def _parse_number(part: str) -> int:
    if part.startswith("0x"):
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        if not set(part) <= set("01234567"):
            raise UnsafeURLError(f"{part!r} is not a valid octal number in an IPv4 address")
        return int(part, 8)
    return int(part)


def parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """Parse ``host`` the way inet_aton does (1-4 parts, decimal/octal/hex); None when it is a name.

    A host whose last label is numeric but which is not a valid address raises
    UnsafeURLError: resolvers disagree on such names, so they are refused.
    """
    parts = host.split(".")
    if not _NUMBER_RE.match(parts[-1]):
        return None
    if len(parts) > 4 or not all(_NUMBER_RE.match(p) for p in parts):
        raise UnsafeURLError(f"{host!r} looks like an IP address but is not a valid one")
    numbers = [_parse_number(p) for p in parts]
    last_limit = 256 ** (5 - len(parts))
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= last_limit:
        raise UnsafeURLError(f"{host!r} looks like an IP address but is out of range")
    value = 0
    for n in numbers[:-1]:
        value = value * 256 + n
    value = value * last_limit + numbers[-1]
    return ipaddress.IPv4Address(value)


def parse_ip_literal(host: str) -> IPAddress | None:
    """Return the IP address ``host`` denotes in any notation, or None when it is a DNS name."""
    if ":" in host:
        if "%" in host:
            raise UnsafeURLError("IPv6 zone identifiers are not allowed")
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise UnsafeURLError(f"{host!r} is not a valid IPv6 address") from None
    return parse_ipv4_loose(host.rstrip("."))


def normalise_host(raw: str) -> str:
    """Lower-case, IDNA-encode and syntax-check a host name (IP literals pass through)."""
    host = raw.strip().lower()
    if not host:
        raise UnsafeURLError("the URL has no host")
    if ":" in host:
        return host
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UnsafeURLError(f"{raw!r} is not a valid host name") from None
    name = host.rstrip(".")
    if not name or len(name) > 253 or not _HOST_RE.match(name):
        raise UnsafeURLError(f"{raw!r} is not a valid host name")
    return host


def split_url(url: str) -> tuple[SplitResult, str, int]:
    """Syntax checks; returns the split URL, the normalised host and the port."""
    if not isinstance(url, str) or not url:
        raise UnsafeURLError("the URL is empty")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURLError(f"the URL is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UnsafeURLError("the URL contains spaces or control characters")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname or ""
    except ValueError as exc:
        raise UnsafeURLError(f"the URL is not valid: {exc}") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise UnsafeURLError("only http and https URLs are allowed")
    if not parts.netloc:
        raise UnsafeURLError("the URL has no host")
    if "@" in parts.netloc:
        raise UnsafeURLError("credentials in the URL are not allowed (use a secret in the path or a header)")
    if "\\" in url:
        raise UnsafeURLError("backslashes are not allowed in the URL")
    host = normalise_host(hostname)
    try:
        port = parts.port
    except ValueError:
        raise UnsafeURLError("the URL has an invalid port") from None
    if port == 0:
        raise UnsafeURLError("the URL has an invalid port")
    return parts, host, port or (443 if parts.scheme.lower() == "https" else 80)


def validate_url(url: str) -> None:
    """Check ``url`` without contacting anything: syntax, plus the address rules for IP literals.

    Raises UnsafeURLError with a human-readable reason. DNS names are checked again at
    send time, after resolution (see :func:`resolve`).
    """
    _, host, _ = split_url(url)
    ip = parse_ip_literal(host)
    if ip is not None:
        check_ip(ip, shown=host)


def resolve(host: str, port: int, policy: Policy | None = None) -> IPAddress:
    """Resolve ``host`` and check every address; returns the one to connect to.

    Raises UnsafeURLError when any resolved address is not allowed, OSError when the
    name does not resolve.
    """
    policy = policy or current_policy()
    literal = parse_ip_literal(host)
    if literal is not None:
        check_ip(literal, policy, shown=host)
        return literal
    infos = socket.getaddrinfo(host.rstrip("."), port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise OSError(f"{host} has no addresses")
    for ip in addresses:
        check_ip(ip, policy, shown=host)
    return addresses[0]
