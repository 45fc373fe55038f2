"""A short reference a person can read out over the phone, for their referral.

Derived from the referral's id, so nothing more is stored: the id's last 40 bits (random in
our UUIDv7s, `core.ids`; the first bits are a timestamp, which would repeat) in Crockford's
base 32, which leaves out I, L, O and U so that nothing is misread: `K7QM-3XPD`. It is for
finding the referral together with the person's name and date of birth, not a key on its
own: 40 bits make two referrals' references alike only rarely, but not never.
"""

import uuid

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32


def reference_for(pk: uuid.UUID | str) -> str:
    value = (pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))).int & ((1 << 40) - 1)
    chars = []
    for _ in range(8):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    text = "".join(reversed(chars))
    return f"{text[:4]}-{text[4:]}"


def unused_reference() -> str:
    """A reference of the same shape that belongs to no referral: what a form-filling
    robot is shown, so that its page looks like everyone else's."""
    return reference_for(uuid.uuid4())
