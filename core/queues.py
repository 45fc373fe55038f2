"""The task queues, so that time-critical work never waits behind bulk work.

Every task is a row in the database with a queue name (django-tasks); a worker takes tasks
from the queues it is started with (`manage.py worker --queue-name default`). Run at least
one worker for each queue: a worker for `default` is then never busy with a CSV check or
the nightly Figures rebuild while a text, a safety-alert escalation or a deadline reminder
waits (docs/operations.md, "Queues").

- TIME_CRITICAL ("default"): texts and emails and their delivery checks, password-reset
  links, the deadline clocks, the questionnaire clock and its safety-alert escalations, the
  safety net that re-queues lost messages, taking back tasks a dead worker held, and sealing
  the audit trail (quick, and due within a minute).
- BULK ("bulk"): checking and importing a CSV of referrals, the Figures refresh and
  nightly rebuild, the directory's freshness review, re-indexing the listings of a newly
  mapped taxonomy term, housekeeping (forgetting old sign-in
  tries, reviewing unused accounts, retention).
"""

TIME_CRITICAL = "default"
BULK = "bulk"
ALL = [TIME_CRITICAL, BULK]
