"""A real HTTP receiver on loopback for outbound/webhook tests (http.server in a thread)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One request the receiver got."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        """The body parsed as JSON."""
        return json.loads(self.body)


@dataclass
class Receiver:
    """The running receiver: its base URL, the requests it got and the answers it will give."""

    host: str
    port: int
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, in order; then 200
    redirects: dict[str, str] = field(default_factory=dict)  # path -> Location
    redirect_status: int = 302

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:41234``."""
        return f"http://{self.host}:{self.port}"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            receiver.requests.append(Received(self.command, self.path, dict(self.headers.items()), body))
            path = self.path.split("?")[0]
            if path in receiver.redirects:
                self.send_response(receiver.redirect_status)
                self.send_header("Location", receiver.redirects[path])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            reply = json.dumps({"ok": status < 400}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        do_POST = do_GET = _answer

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    return Handler


@contextmanager
def http_receiver(host: str = "127.0.0.1") -> Iterator[Receiver]:
    """Run a receiver on ``host`` (a free port) for the duration of the ``with`` block."""
    receiver = Receiver(host=host, port=0)
    server = ThreadingHTTPServer((host, 0), _handler(receiver))
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
