"""Retention: what linkwork keeps, for how long, and the periodic duty that removes the rest.

The policy, and the NHS Records Management Code of Practice entries it follows, are in
docs/retention.md; the periods are in `policy.py`; the duty in `duty.py`; the erasures, each
audited, in `actions.py`."""
