"""A short reference a person can read out over the phone, for their referral.

Made from the referral's id: the id's last 40 bits (random in our UUIDv7s, `core.ids`; the
first bits are a timestamp, which would repeat) in Crockford's base 32, which leaves out I,
L, O and U so that nothing is misread: `K7QM-3XPD`. It is stored on the referral
(`Referral.reference`, unique), and this format is frozen: migration 0012 filled in every
existing referral with exactly the reference it had been shown with, so what people were
told stays valid.

40 bits make two ids' references alike rarely, but not never (about one pair in a million
and a half referrals). A new referral draws another id until its reference is unused
(`new_key`: the unique constraint decides, and a draw after a clash is checked against the
table first). Existing referrals whose references were alike before they were stored keep
them for the first one; each later one gets the longer form, the same eight characters and
four more (`K7QM-3XPD-7Q2A`), so a search for the eight it was told still finds it (see
`referrals.queries.ReferralQuerySet.matching`).
"""

import re
import uuid

from core.ids import uuid7

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
GROUP = 4  # characters between hyphens; each is 20 bits
SHORT, LONGER, LONGEST = 2, 3, 4  # groups
MAX_LENGTH = LONGEST * GROUP + LONGEST - 1  # 19: characters and hyphens
# A new referral's id is drawn again this many times while its reference is taken, then
# the longer form is used. Each draw is a new random 40 bits: at ten million referrals the
# chance that even two draws in a row are taken is about one in ten thousand million.
SHORT_ATTEMPTS = 5
# What people type: Crockford's base 32 reads O as 0 and I or L as 1.
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_./]+")


def reference_for(pk: uuid.UUID | str, groups: int = SHORT) -> str:
    """The reference made from an id: `groups` groups of four characters (two, the short
    form every referral had; three or four, the longer form)."""
    if groups not in (SHORT, LONGER, LONGEST):
        raise ValueError(f"A reference has 2, 3 or 4 groups, not {groups}")
    value = (pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))).int
    # Twenty bits a group: the short form is bits 20-39 then 0-19 (the id's last 40 bits,
    # most significant first), and a longer form goes on with bits 40-59, then 60-79.
    order = [1, 0, 2, 3][:groups]
    parts = [_group(value >> (20 * k)) for k in order]
    return "-".join(parts)


def _group(value: int) -> str:
    return "".join(ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(GROUP)))


def normalise(text: str) -> str | None:
    """What someone typed, as a stored reference would be written (`K7QM-3XPD`), or None
    if it cannot be one. Any case; spaces, hyphens and dashes anywhere; O for 0, I or L for
    1. The one place typed references are read."""
    compact = _SEPARATORS.sub("", (text or "").upper()).translate(_MISREAD)
    if len(compact) not in (GROUP * SHORT, GROUP * LONGER, GROUP * LONGEST):
        return None
    if any(c not in ALPHABET for c in compact):
        return None
    return "-".join(compact[i : i + GROUP] for i in range(0, len(compact), GROUP))


def is_short(reference: str) -> bool:
    return len(reference) == GROUP * SHORT + 1


def new_key(taken=None) -> tuple[uuid.UUID, str]:
    """A new referral's id and its reference, one that `taken(reference)` says is unused.

    Without `taken`, the first draw: the caller inserts it and lets the unique constraint
    decide, then draws again with `taken` in the rare case it was used (about one in a
    million at a million and a half referrals). That saves asking the database on every
    referral, and is no less safe: a check before the insert can be beaten by another
    insert at the same moment, so the constraint decides either way."""
    if taken is None:
        pk = uuid7()
        return pk, reference_for(pk, SHORT)
    for attempt in range(SHORT_ATTEMPTS + 5):
        pk = uuid7()
        reference = reference_for(pk, SHORT if attempt < SHORT_ATTEMPTS else LONGER)
        if not taken(reference):
            return pk, reference
    raise RuntimeError("No unused referral reference found: is the id generator broken?")


def unused_reference() -> str:
    """A reference of the same shape that belongs to no referral: what a form-filling
    robot is shown, so that its page looks like everyone else's."""
    return reference_for(uuid.uuid4())
