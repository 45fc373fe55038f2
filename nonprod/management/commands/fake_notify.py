import signal
import threading

from django.core.management.base import BaseCommand

from nonprod.fake_notify_memory import remember_sent_messages
from notifications.fakes import DEMO_API_KEY, FakeNotify, templates_from_database


class Command(BaseCommand):
    help = (
        "Run a fake GOV.UK Notify on 127.0.0.1 for the demo (never for production): the real "
        "client library talks to it, and every text and email it 'sends' is printed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=6011)

    def handle(self, *args, port: int, **options):
        fake = FakeNotify(templates=templates_from_database(), api_key=DEMO_API_KEY, port=port)
        # What an earlier run sent, so that its delivery checks are answered (not a 404).
        remember_sent_messages(fake)
        printed = set(fake.notifications)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        fake.start()
        self.stdout.write(f"Fake GOV.UK Notify listening on {fake.base_url}")
        try:
            while not stop.wait(1):
                for notification in list(fake.notifications.values()):
                    if notification["id"] not in printed:
                        printed.add(notification["id"])
                        self.stdout.write(
                            f"[fake Notify] {notification['type']} to {notification['recipient']}: "
                            f"{(notification['subject'] or notification['body'])[:100]}"
                        )
        except KeyboardInterrupt:
            pass
        finally:
            fake.stop()
