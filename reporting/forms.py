from decimal import Decimal

from django import forms

from core.forms import ActionFormMixin, DateInputField
from reporting.models import UnitCost

MONEY_ERRORS = {
    "invalid": "Enter an amount in pounds, like 49.50",
    "max_digits": "That amount is too large",
    "max_whole_digits": "That amount is too large",
    "max_decimal_places": "Enter pounds and pence only, like 49.50",
}


class UnitCostForm(ActionFormMixin, forms.Form):
    item = forms.ChoiceField(
        label="What is the cost of?", choices=UnitCost.Item.choices, widget=forms.RadioSelect
    )
    amount = forms.DecimalField(
        label="Cost in pounds",
        max_digits=9,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={**MONEY_ERRORS, "min_value": "Enter a cost above £0"},
    )
    price_year = forms.CharField(
        label="Price year",
        max_length=20,
        help_text="For example 2024/25",
        error_messages={"required": "Enter the price year, for example 2024/25"},
    )
    source = forms.CharField(
        label="Source",
        max_length=300,
        help_text="Where the figure comes from, e.g. PSSRU Unit Costs of Health and Social "
        "Care 2024, GP consultation of 10 minutes",
        error_messages={"required": "Say where the figure comes from, so others can check it"},
    )
    valid_from = DateInputField(label="Use from", help_text="Figures from this date use it")


class InvestmentForm(ActionFormMixin, forms.Form):
    amount = forms.DecimalField(
        label="Amount in pounds",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        error_messages={**MONEY_ERRORS, "min_value": "Enter an amount above £0"},
    )
    starts_on = DateInputField(label="Start date")
    ends_on = DateInputField(label="End date")
    description = forms.CharField(
        label="Description", max_length=300, help_text="For example: outcomes contract 2024 to 2027"
    )


class RecipientForm(ActionFormMixin, forms.Form):
    name = forms.CharField(
        label="Who receives it",
        max_length=200,
        help_text="The organisation and team, e.g. University of Northampton evaluation team",
        error_messages={"required": "Enter who receives the extract"},
    )
    purpose = forms.CharField(
        label="What it is for",
        max_length=300,
        error_messages={"required": "Say what the extract is for"},
    )
    agreement_reference = forms.CharField(
        label="Data sharing agreement reference",
        max_length=100,
        error_messages={
            "required": "Enter the data sharing agreement reference: no extract without one"
        },
    )
