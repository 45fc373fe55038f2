"""Form pieces shared by every app: the NHS.UK date input, and turning action errors into
field errors so the page redisplays with everything typed kept."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError

from core.errors import ActionError


class DateInputWidget(forms.MultiWidget):
    """Day / month / year boxes named `<name>[day]` etc., as the NHS.UK date input expects."""

    def __init__(self, attrs=None):
        super().__init__([forms.TextInput(), forms.TextInput(), forms.TextInput()], attrs=attrs)
        self.widgets_names = ["[day]", "[month]", "[year]"]

    def decompress(self, value):
        if isinstance(value, date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]


class DateInputField(forms.MultiValueField):
    widget = DateInputWidget

    def __init__(self, **kwargs):
        label = kwargs.get("label", "Date")
        super().__init__(
            fields=[forms.CharField(), forms.CharField(), forms.CharField()],
            require_all_fields=False,
            error_messages={
                "required": f"Enter the {label.lower()}",
                "incomplete": f"{label} must include a day, month and year",
            },
            **kwargs,
        )

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        day, month, year = (v.strip() if v else "" for v in data_list)
        if not (day and month and year):
            raise ValidationError(self.error_messages["incomplete"], code="incomplete")
        try:
            if len(year) != 4:
                raise ValueError
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(
                f"{self.label} must be a real date, for example 27 3 1961", code="invalid"
            ) from None


class ActionFormMixin:
    """Lets a view hand an ActionError back to the form it came from."""

    def add_action_error(self, error: ActionError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)

    def add_concurrent_change(self, error: ActionError, *, current_version: int) -> None:
        """Tell the user someone else got there first, and let their next save build on the
        latest version while keeping everything they typed."""
        self.add_action_error(error)
        self.data = self.data.copy()
        self.data["version"] = str(current_version)

    def error_list(self):
        """(message, anchor) pairs for the NHS error summary, in field order."""
        items = [(str(message), None) for message in self.non_field_errors()]
        for name, field in self.fields.items():
            for message in self[name].errors:
                anchor = self[name].auto_id
                if isinstance(field, DateInputField):
                    anchor += "-day"
                items.append((str(message), anchor))
        return items


class VersionField(forms.IntegerField):
    """The record version the user was looking at, for optimistic locking."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=1, **kwargs)
