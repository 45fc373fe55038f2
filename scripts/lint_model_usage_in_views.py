"""Fail if a view reaches a personal-data model directly instead of through a scoped query.

Views must start from `visible_to(user)` or a loader in `<app>/loaders.py`; a bare
`Person.objects` or `Referral.objects.get(...)` in a view is how data leaks across
organisations.
"""

import re
import sys
from pathlib import Path

PERSONAL_DATA_MODELS = [
    "Person",
    "Referral",
    "ReferralEvent",
    "Contact",
    "WhatMatters",
    "Goal",
    "Availability",
    "OnwardReferral",
    "OnwardEvent",
    "Attendance",
    "Signpost",
    "Message",
    "QuestionnaireRequest",
    "QuestionnaireLink",
    "Response",
    "SafetyAlert",
    "MessageBack",
]
# Scoped: a QuerySet method that starts from the user, or rows of a referral a loader has
# already authorised (and audited) for this user.
ALLOWED = re.compile(
    r"\.objects\.(visible_to|aggregable_by|for_provider|for_service)\("
    r"|\.objects\.filter\(referral=referral\b"
    r"|Referral\.objects\.visible_to\("
)
PATTERN = re.compile(r"\b(" + "|".join(PERSONAL_DATA_MODELS) + r")\.objects\b")


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    problems = []
    views = sorted(root.glob("*/views/**/*.py")) + sorted(root.glob("*/views.py"))
    for path in (p for p in views if "tests" not in p.relative_to(root).parts):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if PATTERN.search(line) and not ALLOWED.search(line):
                problems.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} direct use(s) of personal-data models in views: use "
            "Model.objects.visible_to(user) or a loader."
        )
        return 1
    print("views reach personal data only through scoped queries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
