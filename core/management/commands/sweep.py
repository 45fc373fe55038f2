"""The periodic sweep: one long-running process, beside the web servers and workers, that
books each periodic duty as its own task when it falls due (core/periodic.py)."""

import logging
import signal
import threading

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from core.periodic import DUTIES, book_due

EVERY_MINUTE = {path for path, interval in DUTIES if interval.total_seconds() <= 60}

logger = logging.getLogger("core.periodic")


class Command(BaseCommand):
    help = (
        "Book the periodic duties (deadline clocks, questionnaires and safety-alert "
        "escalations, the Figures refresh, housekeeping) as tasks when they fall due, every "
        "minute until stopped. Run one; the workers run the tasks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Book what is due now, then exit")
        parser.add_argument(
            "--interval",
            type=float,
            default=60.0,
            help="Seconds between looks at what is due (default: 60)",
        )

    def handle(self, *args, once: bool, interval: float, **options):
        stopped = threading.Event()
        if not once:

            def stop(signum, frame):
                logger.info("Sweep stopping (%s)", signal.Signals(signum).name)
                stopped.set()

            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            logger.info("Sweep started: looking for due duties every %s seconds", interval)
        while True:
            close_old_connections()
            try:
                booked = book_due()
            except DatabaseError:
                # The database away for a moment: try again next time round.
                if once:
                    raise
                logger.exception("Sweep could not book duties; trying again")
                booked = []
            if booked:
                # The every-minute duties alone are routine: not a line a minute at INFO.
                log = logger.info if set(booked) - EVERY_MINUTE else logger.debug
                log("Booked %s", ", ".join(booked))
            if once or stopped.wait(interval):
                break
        close_old_connections()
