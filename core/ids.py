"""Time-ordered UUIDs (RFC 9562 version 7) for primary keys.

They are unguessable enough for URLs, and unlike uuid4 new rows land at the end of the
primary-key index, which keeps inserts cheap at England scale.
"""

import os
import time
import uuid

from django.urls import reverse


def uuid7() -> uuid.UUID:
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # 12 random bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


_ANY_ID = uuid.UUID(int=0)


def url_by_id(view_name: str, kwarg: str = "pk"):
    """A function giving `view_name`'s URL for an id: reversed once, the id put in its place.
    A list page links every row to its own page, and reversing a URL per row cost more than
    the rest of the row."""
    before, after = reverse(view_name, kwargs={kwarg: _ANY_ID}).split(str(_ANY_ID))
    return lambda id: f"{before}{id}{after}"
