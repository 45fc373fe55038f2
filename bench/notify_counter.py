"""The fake GOV.UK Notify for bench/load.py, counting what it is sent.

The real fake (notifications/fakes.py) with two additions, for the bench only:

- `GET /bench/sent` answers, without a token, every notification it accepted: the Notify
  reference linkwork gave it (one per Message) and how many times that reference arrived,
  so the bench can check that every message went exactly once;
- `--latency-ms`: each send takes this long to answer, like the real Notify (~100 ms), so
  that a worker killed mid-run may be killed mid-send.

Run by bench/load.py as `python bench/notify_counter.py --port N` with the bench's settings
in the environment (it reads the templates from the database); listens on 127.0.0.1 only.
"""

import argparse
import os
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()

    import django

    django.setup()
    from core.fake_http import send_json
    from notifications.fakes import DEMO_API_KEY, FakeNotify, templates_from_database

    latency = args.latency_ms / 1000

    class CountingNotify(FakeNotify):
        def __init__(self, **kwargs):
            self.accepted: Counter = Counter()  # reference → sends accepted (201)
            self.count_lock = threading.Lock()
            super().__init__(**kwargs)

        def _serve(self, request, method):
            if method == "GET" and request.path == "/bench/sent":
                with self.count_lock:
                    payload = {"sent": dict(self.accepted), "requests": len(self.requests)}
                return send_json(request, 200, payload)
            if method == "POST" and latency:
                time.sleep(latency)
            return super()._serve(request, method)

        def _reply(self, request, status, payload):
            if status == 201:
                with self.count_lock:
                    self.accepted[payload.get("reference")] += 1
            return super()._reply(request, status, payload)

    fake = CountingNotify(templates=templates_from_database(), api_key=DEMO_API_KEY, port=args.port)
    # The database is not needed again: let PostgreSQL restart without this process noticing.
    from django.db import connections

    connections.close_all()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    fake.start()
    print(f"counting fake Notify on {fake.base_url}", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
