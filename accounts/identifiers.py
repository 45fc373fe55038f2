"""The one form of a sign-in identifier.

An email address typed at sign-in is reduced to one canonical form before it is used for
anything: finding the account, storing it, counting failed attempts. If lookup and counting
used different forms, a variant that still finds the account (a fullwidth `ｇ`, a ligature,
upper case) would be counted under another key, and the limit on guessing would not apply.
"""

import unicodedata


def normalise_email(value: str | None) -> str:
    """NFKC, then casefold, then NFKC again (casefolding can undo the normal form, as
    Unicode's NFKC_Casefold does), and surrounding white space removed."""
    text = unicodedata.normalize("NFKC", value or "")
    return unicodedata.normalize("NFKC", text.casefold()).strip()
