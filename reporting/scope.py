"""Whose figures a user may see, and the filters they chose.

- Service staff (link workers, team leads) see their own service, exactly; they can switch
  to the view as it would be shared (small numbers suppressed) before passing it on.
- Commissioners see their own area, any service in it, always with small numbers
  suppressed and rounded: aggregates only, never a person.
- National analysts see every area (the England roll-up) or one at a time, suppressed.
Everyone filters by months received, and by PCN and practice within one area."""

from dataclasses import dataclass
from datetime import date

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from core.dates import add_months, month_start
from core.forms import ActionFormMixin
from core.permissions import Permission, has_permission
from organisations.models import Area, Organisation, PrimaryCareNetwork
from reporting import labels
from reporting.figures import (
    ENGLAND_DIMENSIONS,
    ROLLUP_DIMENSIONS,
    Figures,
    from_facts,
    from_rollup,
)
from reporting.models import CaseloadSnapshot, OnwardFact, ReferralFact

SERVICE, AREA, NATIONAL = "service", "area", "national"
LONGEST = 60  # months in one view


def level_of(user) -> str:
    if has_permission(user, Permission.NATIONAL_FIGURES_VIEW):
        return NATIONAL
    if has_permission(user, Permission.AREA_FIGURES_VIEW):
        return AREA
    if has_permission(user, Permission.SERVICE_FIGURES_VIEW):
        return SERVICE
    raise PermissionDenied("You need permission to see figures.")


@dataclass
class Scope:
    level: str
    areas: list[Area] | None  # None: every area (England)
    service: Organisation | None
    pcn: PrimaryCareNetwork | None
    practice: Organisation | None
    first: date
    last: date  # first day of the last month included
    safe: bool

    @property
    def area(self) -> Area | None:
        return self.areas[0] if self.areas and len(self.areas) == 1 else None

    @property
    def whole_areas(self) -> bool:
        """England, or more than one area, with no finer filter: read the roll-up."""
        return self.area is None and not (self.service or self.pcn or self.practice)

    def _filters(self) -> dict:
        found = {"month__gte": self.first, "month__lte": self.last}
        if self.areas is not None:
            found["area__in"] = self.areas
        if self.service:
            found["service"] = self.service
        if self.pcn:
            found["pcn"] = self.pcn
        if self.practice:
            found["practice"] = self.practice
        return found

    def facts(self):
        return ReferralFact.objects.filter(**self._filters())

    def onward_facts(self):
        filters = {k: v for k, v in self._filters().items() if k not in ("pcn", "practice")}
        onward = OnwardFact.objects.filter(**filters)
        if self.pcn:
            onward = onward.filter(fact__pcn=self.pcn)
        if self.practice:
            onward = onward.filter(fact__practice=self.practice)
        return onward

    def caseloads(self):
        rows = CaseloadSnapshot.objects.all()
        if self.areas is not None:
            rows = rows.filter(area__in=self.areas)
        if self.service:
            rows = rows.filter(service=self.service)
        return rows

    def figures(self, dimension: str) -> dict[str, Figures]:
        """From the roll-up unless a PCN or practice is chosen (a small set of facts)."""
        if self._rolled_up(dimension):
            return from_rollup(
                areas=None if self.areas is None else [a.pk for a in self.areas],
                service=self.service,
                first=self.first,
                last=self.last,
                dimension=dimension,
            )
        return from_facts(self.facts(), dimension)

    def _rolled_up(self, dimension: str) -> bool:
        if self.pcn or self.practice:
            return False
        if self.service is None and self.areas is None:
            return dimension in ("area", "service", "month", *ENGLAND_DIMENSIONS)
        return dimension in ("area", "service", "month", *ROLLUP_DIMENSIONS)

    def total(self) -> Figures:
        return self.figures("all").get("", Figures())

    @property
    def months(self) -> list[date]:
        found, month = [], self.first
        while month <= self.last:
            found.append(month)
            month = add_months(month, 1)
        return found

    def describe(self) -> str:
        where = (
            self.practice.name
            if self.practice
            else self.pcn.name
            if self.pcn
            else self.service.name
            if self.service
            else self.area.name
            if self.area
            else "England"
        )
        return f"{where}, {month_label(self.first)} to {month_label(self.last)}"


def month_label(month: date) -> str:
    return f"{month:%B %Y}"


def default_range(today: date | None = None) -> tuple[date, date]:
    last = month_start(today or timezone.localdate())
    return add_months(last, -11), last


def month_choices(today: date | None = None) -> list[tuple[str, str]]:
    last = month_start(today or timezone.localdate())
    return [
        (f"{m:%Y-%m}", month_label(m)) for m in (add_months(last, -i) for i in range(LONGEST * 2))
    ]


class FiltersForm(ActionFormMixin, forms.Form):
    start = forms.ChoiceField(label="From", required=False)
    end = forms.ChoiceField(label="To", required=False)
    area = forms.ModelChoiceField(
        Area.objects.none(),
        label="Area",
        required=False,
        empty_label="England (every area)",
        error_messages={"invalid_choice": "Choose an area from the list"},
    )
    service = forms.ModelChoiceField(
        Organisation.objects.none(),
        label="Service",
        required=False,
        empty_label="Every service",
        error_messages={"invalid_choice": "Choose a service in this area from the list"},
    )
    pcn = forms.ModelChoiceField(
        PrimaryCareNetwork.objects.none(),
        label="Primary care network",
        required=False,
        empty_label="Every PCN",
        error_messages={"invalid_choice": "Choose a primary care network in this area"},
    )
    practice = forms.ModelChoiceField(
        Organisation.objects.none(),
        label="GP practice",
        required=False,
        empty_label="Every practice",
        error_messages={"invalid_choice": "Choose a GP practice in this area from the list"},
    )
    share = forms.BooleanField(label="Show as shared outside the service", required=False)
    measure = forms.ChoiceField(
        label="Measure",
        required=False,
        choices=list(labels.MEASURES.items()),
        error_messages={"invalid_choice": "Choose a measure from the list"},
    )

    def __init__(self, data=None, *, user, **kwargs):
        first, last = default_range()
        if data is not None:
            # Absent months mean the last twelve; shown as chosen so the page says so.
            data = data.copy()
            data.setdefault("start", f"{first:%Y-%m}")
            data.setdefault("end", f"{last:%Y-%m}")
        super().__init__(data, **kwargs)
        self.user = user
        self.level = level_of(user)
        choices = month_choices()
        self.fields["start"].choices = choices
        self.fields["end"].choices = choices
        if self.level == NATIONAL:
            self.fields["area"].queryset = Area.objects.filter(
                organisations__kind=Organisation.Kind.LINK_WORKER_SERVICE
            ).distinct()
            area = self._chosen_area()
        else:
            del self.fields["area"]
            area = user.organisation.area
        if self.level == SERVICE:
            del self.fields["service"]
        else:
            del self.fields["share"]
        querysets = {
            "service": Organisation.objects.filter(
                kind=Organisation.Kind.LINK_WORKER_SERVICE, area=area
            ),
            "pcn": PrimaryCareNetwork.objects.filter(area=area),
            "practice": Organisation.objects.filter(area=area, kind=Organisation.Kind.GP_PRACTICE),
        }
        for name, queryset in querysets.items():
            if name not in self.fields:
                continue
            if area is None and not self.data.get(name):
                # Finer filters once an area is chosen (England has thousands of practices).
                del self.fields[name]
            else:
                self.fields[name].queryset = queryset if area else queryset.none()

    def _chosen_area(self):
        raw = self.data.get("area") if self.is_bound else None
        if not raw:
            return None
        try:
            return self.fields["area"].queryset.filter(pk=raw).first()
        except (ValueError, forms.ValidationError):
            return None

    def clean(self):
        data = super().clean()
        first, last = default_range()
        start = _month(data.get("start")) or first
        end = _month(data.get("end")) or last
        if start > end:
            self.add_error("end", "The end month must be the same as or after the start month")
        elif (end.year - start.year) * 12 + end.month - start.month >= LONGEST:
            self.add_error("end", f"Choose at most {LONGEST} months at a time")
        data["first"], data["last"] = start, end
        if self.level == NATIONAL and not data.get("area"):
            for name in ("service", "pcn", "practice"):
                if self.data.get(name):
                    self.add_error(name, "Choose an area first")
        practice, pcn = data.get("practice"), data.get("pcn")
        if practice and pcn and practice.pcn_id != pcn.pk:
            self.add_error("practice", f"{practice.name} is not in {pcn.name}")
        data["measure"] = data.get("measure") or labels.HEADLINE_MEASURE
        return data

    def scope(self) -> Scope:
        data = self.cleaned_data
        user = self.user
        if self.level == SERVICE:
            areas, service = [user.organisation.area], user.organisation
        elif self.level == AREA:
            areas, service = [user.organisation.area], data.get("service")
        else:
            area = data.get("area")
            areas, service = ([area] if area else None), data.get("service")
        return Scope(
            level=self.level,
            areas=areas,
            service=service,
            pcn=data.get("pcn"),
            practice=data.get("practice"),
            first=data["first"],
            last=data["last"],
            safe=self.level != SERVICE or bool(data.get("share")),
        )


def _month(value: str | None) -> date | None:
    if not value:
        return None
    year, month = value.split("-")
    return date(int(year), int(month), 1)
