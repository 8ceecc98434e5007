"""SSRF-safe outbound HTTP: every notation of a private address is refused, DNS and redirects re-checked."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_platform import plugins
from crm_platform.outbound import OutboundError, OutboundResponse, UnsafeURLError, post_json, validate_url
from crm_platform.outbound.addresses import Policy, check_ip, parse_ipv4_loose
from tests.http_receiver import http_receiver

REFUSED = [
    "http://127.0.0.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://0177.1/",
    "http://0x7f.1/",
    "http://0x7f.0x0.0x0.0x1/",
    "http://127.1/",
    "http://127.0.1/",
    "http://127.0.0.1./",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[2002:7f00:1::]/",
    "http://[::ffff:169.254.169.254]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://0xa9fea9fe/",
    "http://2852039166/",
    "http://10.0.0.1/",
    "http://10.1/",
    "http://012.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.0.1/",
    "http://3232235521/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://[fd12:3456::1]/",
    "http://[fc00::1]/",
    "http://[fe80::1]/",
    "http://[fec0::1]/",
    "HTTP://127.0.0.1:8080/x",
]

BAD_SYNTAX = [
    "",
    "ftp://example.com/",
    "file:///etc/passwd",
    "gopher://example.com/",
    "javascript:alert(1)",
    "http://",
    "http:///path",
    "http://user:pass@example.com/",
    "http://user@example.com/",
    "http://example.com:99999/",
    "http://exa mple.com/",
    "http://example.com/\r\nX: y",
    "http://1.2.3.4.5/",
    "http://256.1.1.1/",
    "http://0x1ffffffff/",
    "http://08.0.0.1/",
    "http://[fe80::1%25eth0]/",
    "http://[not-v6]/",
    "http://exa_mple$.com/",
]


@pytest.fixture(autouse=True)
def _policy_from_env(monkeypatch):
    """Outside an app context the policy comes from the environment: start with it off."""
    monkeypatch.delenv("CRM_OUTBOUND_ALLOW_PRIVATE", raising=False)
    monkeypatch.delenv("CRM_OUTBOUND_ALLOW_NETWORKS", raising=False)


@pytest.mark.parametrize("url", REFUSED)
def test_private_targets_are_refused_in_every_notation(url):
    with pytest.raises(UnsafeURLError, match="not allowed"):
        validate_url(url)


@pytest.mark.parametrize("url", BAD_SYNTAX)
def test_bad_urls_are_refused(url):
    with pytest.raises(UnsafeURLError):
        validate_url(url)


@pytest.mark.parametrize(
    "url", ["https://example.com/hook", "http://8.8.8.8/", "http://134744072/", "https://[2606:4700::1111]/x?y=1",
            "https://hooks.example.co.uk:8443/a", "http://[::ffff:8.8.8.8]/", "https://bücher.example/"],
)
def test_public_targets_pass(url):
    validate_url(url)


def test_loose_ipv4_matches_inet_aton():
    for text in ["127.1", "0x7f.1", "0177.0.0.1", "2130706433", "10.0x10.1", "1.2.3.4"]:
        assert parse_ipv4_loose(text) == ipaddress.IPv4Address(socket.inet_aton(text))


UNSAFE_NETS = [ipaddress.ip_network(n) for n in (
    "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "0.0.0.0/8",
    "224.0.0.0/4", "240.0.0.0/4",
)]


def _notations(value: int) -> st.SearchStrategy[str]:
    octets = list(ipaddress.IPv4Address(value).packed)
    def part(n: int, style: str) -> str:
        return {"dec": str(n), "oct": "0" + format(n, "o"), "hex": hex(n)}[style]
    styles = st.sampled_from(["dec", "oct", "hex"])
    four = st.tuples(styles, styles, styles, styles).map(lambda s: ".".join(part(o, x) for o, x in zip(octets, s)))
    three = st.tuples(styles, styles, styles).map(
        lambda s: f"{part(octets[0], s[0])}.{part(octets[1], s[1])}.{part(octets[2] * 256 + octets[3], s[2])}")
    two = st.tuples(styles, styles).map(lambda s: f"{part(octets[0], s[0])}.{part(value & 0xFFFFFF, s[1])}")
    one = styles.map(lambda s: part(value, s))
    v6 = st.sampled_from([f"[::ffff:{ipaddress.IPv4Address(value)}]", f"[::ffff:{value >> 16:x}:{value & 0xFFFF:x}]",
                          f"[64:ff9b::{ipaddress.IPv4Address(value)}]", f"[2002:{value >> 16:x}:{value & 0xFFFF:x}::1]"])
    return st.one_of(four, three, two, one, v6)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_property_no_notation_of_an_unsafe_address_passes(data):
    net = data.draw(st.sampled_from(UNSAFE_NETS))
    value = data.draw(st.integers(int(net.network_address), int(net.broadcast_address)))
    host = data.draw(_notations(value))
    port = data.draw(st.sampled_from(["", ":80", ":8443"]))
    with pytest.raises(UnsafeURLError):
        validate_url(f"http://{host}{port}/hook")


def test_allow_private_unlocks_private_but_not_metadata_or_multicast():
    allowed = Policy(allow_private=True)
    for ip in ("127.0.0.1", "10.1.2.3", "192.168.1.1", "::1", "fd00::1", "::ffff:127.0.0.1"):
        check_ip(ipaddress.ip_address(ip), allowed)
    for ip in ("169.254.169.254", "224.0.0.1", "0.0.0.0", "fe80::1"):
        with pytest.raises(UnsafeURLError):
            check_ip(ipaddress.ip_address(ip), allowed)


def test_public_api_exports_the_client():
    assert plugins.safe_post_json is post_json
    assert plugins.validate_outbound_url is validate_url
    assert plugins.UnsafeURLError is UnsafeURLError and issubclass(UnsafeURLError, ValueError)
    assert plugins.OutboundError is OutboundError
    for name in ("safe_post_json", "validate_outbound_url", "UnsafeURLError", "OutboundError"):
        assert name in plugins.__all__


def test_loopback_receiver_is_reached_when_the_operator_allows_private(monkeypatch):
    monkeypatch.setenv("CRM_OUTBOUND_ALLOW_PRIVATE", "1")
    with http_receiver() as receiver:
        response = post_json(f"{receiver.url}/hook?x=1", {"hello": "world"}, headers={"X-Test": "yes"})
    assert isinstance(response, OutboundResponse)
    assert response.status == 200 and '"ok": true' in response.body
    assert response.final_url == f"{receiver.url}/hook?x=1"
    (request,) = receiver.requests
    assert request.method == "POST" and request.path == "/hook?x=1"
    assert request.json() == {"hello": "world"}
    assert request.headers["X-Test"] == "yes"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"


def test_loopback_receiver_is_refused_when_the_setting_is_off():
    with http_receiver() as receiver:
        with pytest.raises(UnsafeURLError, match="loopback"):
            post_json(f"{receiver.url}/hook", {"a": 1})
        with pytest.raises(UnsafeURLError):
            post_json(f"http://2130706433:{receiver.port}/hook", {"a": 1})
    assert receiver.requests == []


def test_a_name_resolving_to_loopback_is_refused():
    with http_receiver() as receiver:
        with pytest.raises(UnsafeURLError, match="localhost .*loopback"):
            post_json(f"http://localhost:{receiver.port}/hook", {"a": 1})
    assert receiver.requests == []


def test_names_are_resolved_and_pinned_with_the_original_host_header(monkeypatch):
    monkeypatch.setenv("CRM_OUTBOUND_ALLOW_PRIVATE", "1")
    with http_receiver() as receiver:
        response = post_json(f"http://localhost:{receiver.port}/named", b'{"raw":true}')
    assert response.status == 200
    assert receiver.requests[0].headers["Host"] == f"localhost:{receiver.port}"
    assert receiver.requests[0].body == b'{"raw":true}'


def test_a_redirect_from_an_allowed_receiver_to_loopback_is_refused(monkeypatch):
    """127.0.0.2 is trusted by the operator; it redirects to 127.0.0.1, which is not."""
    monkeypatch.setenv("CRM_OUTBOUND_ALLOW_NETWORKS", "127.0.0.2/32")
    with http_receiver("127.0.0.1") as target, http_receiver("127.0.0.2") as allowed:
        allowed.redirects["/start"] = f"{target.url}/internal"
        assert post_json(f"{allowed.url}/plain", {}).status == 200
        with pytest.raises(UnsafeURLError, match="127.0.0.1 is not allowed: loopback"):
            post_json(f"{allowed.url}/start", {"a": 1})
    assert [r.path for r in allowed.requests] == ["/plain", "/start"]
    assert target.requests == []


def test_redirects_are_followed_when_allowed(monkeypatch):
    monkeypatch.setenv("CRM_OUTBOUND_ALLOW_PRIVATE", "1")
    with http_receiver() as receiver:
        receiver.redirects["/old"] = "/new"
        receiver.redirect_status = 307
        response = post_json(f"{receiver.url}/old", {"n": 1})
        assert response.final_url == f"{receiver.url}/new"
        assert [(r.method, r.path, r.body) for r in receiver.requests] == [
            ("POST", "/old", b'{"n":1}'), ("POST", "/new", b'{"n":1}')]
        receiver.redirect_status = 303
        receiver.requests.clear()
        post_json(f"{receiver.url}/old", {"n": 1})
        assert [(r.method, r.path) for r in receiver.requests] == [("POST", "/old"), ("GET", "/new")]


def test_redirect_loops_stop(monkeypatch):
    monkeypatch.setenv("CRM_OUTBOUND_ALLOW_PRIVATE", "1")
    with http_receiver() as receiver:
        receiver.redirects["/loop"] = "/loop"
        with pytest.raises(OutboundError, match="too many redirects"):
            post_json(f"{receiver.url}/loop", {}, max_redirects=2)
    assert len(receiver.requests) == 3


def test_network_errors_raise_outbound_error(monkeypatch):
    monkeypatch.setenv("CRM_OUTBOUND_ALLOW_PRIVATE", "1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OutboundError):
        post_json(f"http://127.0.0.1:{port}/", {})
    with pytest.raises(OutboundError, match="could not resolve"):
        post_json("http://no-such-host.invalid/", {})


def test_app_config_sets_the_policy(make_app):
    with http_receiver() as receiver:
        with make_app(OUTBOUND_ALLOW_PRIVATE=True).app_context():
            assert post_json(receiver.url, {}).status == 200
        with make_app(OUTBOUND_ALLOW_PRIVATE=False).app_context():
            with pytest.raises(UnsafeURLError):
                post_json(receiver.url, {})
