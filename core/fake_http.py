"""What linkwork's fakes of outside services share: a real HTTP server on 127.0.0.1, each
request answered on its own thread, that the real client libraries talk to in tests and in
the demo (the fake GOV.UK Notify, `notifications/fakes.py`; the fake OpenID provider,
`accounts/oidc/fake_provider.py`).

A fake subclasses `FakeHTTPServer` and answers in `_serve(request, method)`, where
`request` is the `BaseHTTPRequestHandler` of that request. Port 0 (the default) takes a free
port; `base_url` says which.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class FakeHTTPServer:
    def __init__(self, *, port: int = 0):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        raise NotImplementedError

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: tests and the demo print their own
                pass

            def do_GET(self):
                fake._serve(self, "GET")

            def do_POST(self):
                fake._serve(self, "POST")

        return Handler


def read_body(request: BaseHTTPRequestHandler) -> bytes:
    length = int(request.headers.get("Content-Length") or 0)
    return request.rfile.read(length) if length else b""


def send_json(
    request: BaseHTTPRequestHandler, status: int, payload, headers: dict | None = None
) -> None:
    data = json.dumps(payload).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(data)
