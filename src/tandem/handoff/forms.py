"""The forms of the lead card: reject, touch, qualify, reassign."""

from typing import Any, cast

from django import forms
from django.contrib.auth.models import User

from tandem.handoff.models import TouchKind
from tandem.leads.forms import SentenceErrorsForm
from tandem.leads.queries import lead_owners

MAX_NOTE = 2000


class RejectForm(SentenceErrorsForm):
    # Checked against the active agreement's reasons by the service, which names them.
    reason = forms.CharField(label="Reason", max_length=60)
    note = forms.CharField(label="Note", max_length=MAX_NOTE)


class TouchForm(SentenceErrorsForm):
    kind = forms.ChoiceField(label="Touch", choices=TouchKind.choices)
    note = forms.CharField(
        label="Note",
        max_length=MAX_NOTE,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Optional"}),
    )


class QualifyForm(SentenceErrorsForm):
    deal_name = forms.CharField(label="Deal", max_length=200)
    amount = forms.DecimalField(label="Amount", min_value=0, max_digits=14, decimal_places=2)
    currency = forms.RegexField(
        label="Currency",
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        initial="EUR",
        error_messages={"invalid": "Give the currency as its three-letter code, e.g. EUR."},
    )
    note = forms.CharField(label="Note", max_length=MAX_NOTE, required=False)


class ReassignForm(SentenceErrorsForm):
    to = forms.TypedChoiceField(label="Give to", coerce=int)
    reason = forms.CharField(label="Why", max_length=400)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["to"]).choices = [
            (user.pk, user.get_full_name() or user.username)
            for user in lead_owners(actor).filter(membership__role="sales_rep")
        ]
