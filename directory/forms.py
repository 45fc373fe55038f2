from django import forms

from core.forms import ActionFormMixin
from referrals.models import Need


class ServiceFilterForm(ActionFormMixin, forms.Form):
    need = forms.ModelChoiceField(
        label="Helps with",
        queryset=Need.objects.filter(active=True),
        required=False,
        empty_label="Any need",
        to_field_name="code",
    )
    town = forms.ChoiceField(label="Town", required=False)

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].choices = [("", "Any town")] + [(t, t) for t in towns]
