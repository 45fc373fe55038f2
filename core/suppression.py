"""Small-number suppression for aggregates that leave the service.

Counts of 1–7 are shown as "<8". If exactly one cell in a row is suppressed, the total would
reveal it, so the next smallest cell is suppressed too (secondary suppression).
"""

THRESHOLD = 8
SUPPRESSED = "<8"


def suppress_row(counts: list[int]) -> list[str]:
    shown = [SUPPRESSED if 0 < c < THRESHOLD else str(c) for c in counts]
    hidden = [i for i, s in enumerate(shown) if s == SUPPRESSED]
    if len(hidden) == 1:
        candidates = [i for i, c in enumerate(counts) if i not in hidden and c > 0]
        if candidates:
            shown[min(candidates, key=lambda i: counts[i])] = SUPPRESSED
    return shown
