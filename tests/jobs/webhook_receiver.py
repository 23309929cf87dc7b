"""A webhook receiver for process tests: an HTTP server in a thread that checks signatures and
counts deliveries per ``Idempotency-Key``. It can hold one delivery open (``hold_at``) so a test
can kill the worker while that request is in flight, and take ``delay`` seconds over each
delivery (a slow receiver, so a backlog takes a while)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, secret: str, hold_at: int | None = None, delay: float = 0.0) -> None:
        self.secret = secret
        self.hold_at = hold_at
        self.delay = delay
        self.deliveries: list[str] = []
        self.bad_signatures = 0
        self.reached = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.url = ""

    @property
    def counts(self) -> Counter[str]:
        with self._lock:
            return Counter(self.deliveries)

    def receive(self, headers: dict[str, str], body: bytes) -> None:
        stamp = headers.get("X-Flowdesk-Timestamp", "")
        mac = hmac.new(self.secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        with self._lock:
            if not hmac.compare_digest(headers.get("X-Flowdesk-Signature", ""),
                                       "sha256=" + mac.hexdigest()):
                self.bad_signatures += 1
            self.deliveries.append(headers["Idempotency-Key"])
            held = self.hold_at is not None and len(self.deliveries) == self.hold_at
        if held:
            self.reached.set()
            self.release.wait(60)
        if self.delay:
            time.sleep(self.delay)


@contextmanager
def running_receiver(
    secret: str, hold_at: int | None = None, delay: float = 0.0
) -> Iterator[Receiver]:
    receiver = Receiver(secret, hold_at, delay)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.receive(dict(self.headers.items()), body)
            try:
                self.send_response(200)
                self.end_headers()
            except OSError:  # the worker was killed while we held its request
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
