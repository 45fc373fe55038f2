"""FHIR errors: every problem becomes an `OperationOutcome` issue with a FHIRPath
`expression` saying exactly where it is, and the right 4xx status."""

import json

from django.http import HttpResponse

FHIR_JSON = "application/fhir+json"


class Issue:
    def __init__(
        self, code: str, diagnostics: str, expression: str | None = None, severity="error"
    ):
        self.code = code
        self.diagnostics = diagnostics
        self.expression = expression
        self.severity = severity

    def as_dict(self) -> dict:
        issue = {"severity": self.severity, "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


class FhirError(Exception):
    """Raise to answer with an OperationOutcome; carries one or more issues."""

    def __init__(self, status: int, issues: list[Issue]):
        super().__init__("; ".join(i.diagnostics for i in issues))
        self.status = status
        self.issues = issues

    @classmethod
    def one(cls, status, code, diagnostics, expression=None) -> "FhirError":
        return cls(status, [Issue(code, diagnostics, expression)])


def outcome(issues: list[Issue]) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [i.as_dict() for i in issues]}


def fhir_response(body: dict, status: int = 200, **headers) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=FHIR_JSON)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def error_response(error: FhirError) -> HttpResponse:
    headers = {"WWW_Authenticate": 'Bearer realm="linkwork"'} if error.status == 401 else {}
    return fhir_response(outcome(error.issues), status=error.status, **headers)


def pydantic_issues(resource_type: str, error, prefix: str = "") -> list[Issue]:
    """fhir.resources validation errors → issues with FHIRPath expressions."""
    issues = []
    for problem in error.errors():
        path = prefix or resource_type
        for part in problem.get("loc", ()):
            if isinstance(part, int):
                path += f"[{part}]"
            elif part not in ("__root__",) and not str(part).startswith("function-"):
                path += f".{part}"
        issues.append(Issue("invalid", f"{problem.get('msg', 'is not valid')}", path))
    return issues or [Issue("invalid", str(error), resource_type)]
