"""Social handles: a small fixed set of networks, stored as handles, shown as links.

``Person.social`` is ``{network: handle}``. A handle may be typed as ``@ada``, ``ada``
or a profile URL on the network's own domain; anything else is refused, so a stored
handle always makes a safe https link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit


class SocialError(ValueError):
    """A handle that cannot be stored; the message is for the user."""


@dataclass(frozen=True)
class Network:
    """A social network: its key, label, profile URL pattern and accepted hosts."""

    key: str
    label: str
    url: str  # with {handle}
    hosts: tuple[str, ...]
    prefix: str = ""  # path part before the handle in a profile URL, e.g. "in/"


NETWORKS: tuple[Network, ...] = (
    Network("linkedin", "LinkedIn", "https://www.linkedin.com/in/{handle}", ("linkedin.com",), "in/"),
    Network("x", "X (Twitter)", "https://x.com/{handle}", ("x.com", "twitter.com")),
    Network("github", "GitHub", "https://github.com/{handle}", ("github.com",)),
    Network("instagram", "Instagram", "https://www.instagram.com/{handle}", ("instagram.com",)),
    Network("facebook", "Facebook", "https://www.facebook.com/{handle}", ("facebook.com",)),
    Network("youtube", "YouTube", "https://www.youtube.com/@{handle}", ("youtube.com",), "@"),
)
BY_KEY: dict[str, Network] = {network.key: network for network in NETWORKS}
_HANDLE = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")


def normalise_handle(network: Network, raw: str) -> str:
    """The bare handle from ``@ada``, ``ada`` or a profile URL; ``""`` for blank input."""
    text = (raw or "").strip()
    if not text:
        return ""
    if "/" in text or text.lower().startswith(("http:", "https:", "www.")):
        url = text if "://" in text else "https://" + text
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
        if parts.scheme.lower() not in ("http", "https") or host not in network.hosts:
            raise SocialError(f"That is not a {network.label} address.")
        path = parts.path.strip("/")
        if network.prefix and path.startswith(network.prefix):
            path = path[len(network.prefix):]
        text = path.split("/")[0]
    text = text.removeprefix("@")
    if not _HANDLE.match(text):
        raise SocialError(f"Enter a {network.label} handle (letters, digits, . _ -) or a profile link.")
    return text


def profile_url(network_key: str, handle: str) -> str:
    """The https profile link of a stored handle ("" for an unknown network)."""
    network = BY_KEY.get(network_key)
    if network is None or not _HANDLE.match(handle or ""):
        return ""
    return network.url.format(handle=handle)


def social_links(social: dict[str, str] | None) -> list[tuple[Network, str, str]]:
    """``(network, handle, url)`` of a person's handles, in the fixed network order."""
    social = social or {}
    return [(n, social[n.key], profile_url(n.key, social[n.key])) for n in NETWORKS if social.get(n.key)]
