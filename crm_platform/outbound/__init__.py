"""SSRF-safe outbound HTTP for webhooks and plugin automations.

Public interface (also exported from :mod:`crm_platform.plugins` as ``safe_post_json``
and ``validate_outbound_url``)::

    from crm_platform.outbound import post_json, validate_url, UnsafeURLError, OutboundError

Private, loopback, link-local, multicast and reserved targets are refused in every
notation, after DNS resolution and after each redirect, unless the operator sets
``CRM_OUTBOUND_ALLOW_PRIVATE=1`` (app config ``OUTBOUND_ALLOW_PRIVATE``) or lists trusted
networks in ``CRM_OUTBOUND_ALLOW_NETWORKS`` (``OUTBOUND_ALLOW_NETWORKS``).
"""

from crm_platform.outbound.addresses import UnsafeURLError, classify, current_policy, validate_url
from crm_platform.outbound.client import OutboundError, OutboundResponse, post_json

__all__ = [
    "OutboundError",
    "OutboundResponse",
    "UnsafeURLError",
    "classify",
    "current_policy",
    "post_json",
    "validate_url",
]
