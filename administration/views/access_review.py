"""The access review: every account in the service administrator's area, with its role,
organisation, last sign-in, whether a second factor is set up and whether it is invited,
active or switched off, and the national RBAC roles (NHS CIS2) they presented when they
last signed in through single sign-on; filtered, a page at a time, and as a CSV (streamed,
through core/csv_safe.py). For the periodic review an information-governance lead asks
for, and for checking the accounts the 90-day rule is about to switch off
(accounts/lifecycle.py)."""

import io
from datetime import timedelta

from django import forms
from django.db.models import Exists, F, JSONField, OuterRef, Q, Subquery
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import lifecycle
from accounts.models import SingleSignOnIdentity, User
from accounts.oidc.presenters import national_rbac_roles_text
from core import audit, csv_safe
from core.forms import ActionFormMixin
from core.pagination import paginate
from core.permissions import Permission, Role, require_permission

PER_PAGE = 50
CSV_CHUNK = 500
UNUSED_CHOICES = [("", "Any time"), ("30", "30 days"), ("60", "60 days"), ("80", "80 days")]
HEADER = [
    "Name",
    "Email address",
    "Role",
    "Organisation",
    "Organisation ODS code",
    "Job title",
    "Status",
    "Last signed in",
    "Second factor",
    "Switched off on",
    "Switched off because",
    "Account made on",
    "NHS roles at last single sign-on",
]


class ReviewFilters(ActionFormMixin, forms.Form):
    q = forms.CharField(label="Name or email address", required=False, max_length=100)
    role = forms.ChoiceField(
        label="Role",
        required=False,
        choices=[("", "Any role")] + [(r.value, r.label) for r in Role if r != Role.SYSTEM_ADMIN],
        error_messages={"invalid_choice": "Choose a role from the list"},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("", "Any status"), *lifecycle.STATUSES.items()],
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    second_factor = forms.ChoiceField(
        label="Second factor",
        required=False,
        choices=[("", "Set up or not"), ("yes", "Set up"), ("no", "Not set up")],
        error_messages={"invalid_choice": "Choose set up or not set up"},
    )
    unused = forms.ChoiceField(
        label="Not signed in for at least",
        required=False,
        choices=UNUSED_CHOICES,
        error_messages={"invalid_choice": "Choose a number of days from the list"},
    )

    def applied(self) -> dict:
        """The filters that are valid (a bad one is named in the error summary and ignored)."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}


def _area(request):
    require_permission(request.user, Permission.ACCESS_REVIEW)
    return request.user.organisation.area


def accounts_in(area, filters: dict, now):
    rows = (
        User.objects.filter(organisation__area=area)
        .exclude(role=Role.SYSTEM_ADMIN)
        .select_related("organisation")
        .annotate(
            has_second_factor=Exists(
                TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
            ),
            # From the provider they last signed in through (accounts/oidc/rbac.py).
            sso_roles=Subquery(
                SingleSignOnIdentity.objects.filter(user=OuterRef("pk"))
                .order_by(F("last_used_at").desc(nulls_last=True))
                .values("national_rbac_roles")[:1],
                output_field=JSONField(),
            ),
        )
    )
    if search := filters.get("q", "").strip():
        rows = rows.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    if role := filters.get("role"):
        rows = rows.filter(role=role)
    if status := filters.get("status"):
        rows = lifecycle.with_status(rows, status)
    if second_factor := filters.get("second_factor"):
        rows = rows.filter(has_second_factor=second_factor == "yes")
    if days := filters.get("unused"):
        rows = rows.filter(lifecycle.unused_since(now - timedelta(days=int(days))))
    return rows.order_by("full_name", "pk")


def access_review(request):
    area = _area(request)
    filters = ReviewFilters(request.GET)
    applied = filters.applied()
    page = paginate(request, accounts_in(area, applied, timezone.now()), per_page=PER_PAGE)
    for row in page.object_list:
        row.status_label = lifecycle.STATUSES[lifecycle.status(row)]
        row.national_roles = national_rbac_roles_text(row.sso_roles)
    audit.record_view(
        by=request.user, verb="access_review", page=page.number, shown=len(page), **applied
    )
    return render(
        request,
        "administration/access_review.jinja",
        {
            "area": area,
            "form": filters,
            "page": page,
            "filtered": bool(applied),
            "csv_query": request.GET.urlencode(),
        },
    )


def access_review_csv(request):
    area = _area(request)
    applied = ReviewFilters(request.GET).applied()
    rows = accounts_in(area, applied, timezone.now())
    audit.record_view(by=request.user, verb="download_access_review", **applied)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    code = "".join(c for c in area.code if c.isascii() and c.isalnum())
    response["Content-Disposition"] = (
        f'attachment; filename="linkwork-access-review-{code}-{stamp}.csv"'
    )
    return response


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _csv_lines(rows):
    """The rows as CSV text, a chunk of rows at a time (only a chunk is in memory)."""
    buffer = io.StringIO()
    writer = csv_safe.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for count, user in enumerate(rows.iterator(chunk_size=CSV_CHUNK), start=1):
        writer.writerow(
            [
                user.full_name,
                user.email,
                user.get_role_display(),
                user.organisation.name,
                user.organisation.ods_code,
                user.job_title,
                lifecycle.STATUSES[lifecycle.status(user)],
                _when(user.last_login) or "Never",
                "Set up" if user.has_second_factor else "Not set up",
                _when(user.switched_off_at),
                user.get_switched_off_reason_display() if user.switched_off_at else "",
                _when(user.date_joined),
                national_rbac_roles_text(user.sso_roles),
            ]
        )
        if count % CSV_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
