"""The forms of the nurture pages. The services check everything again; these give early,
per-field answers."""

from django import forms
from django.core.validators import URLValidator

from tandem.nurture.services import MAX_WAIT_DAYS, URL_NOT_WEB


class SequenceForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Not now — stay in touch"}),
    )
    description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the sequence is for, for your colleagues; recipients never see it.",
    )
    segment = forms.CharField(
        max_length=100,
        required=False,
        help_text="Only leads whose company is in this segment, e.g. Enterprise. Empty takes "
        "every recycled lead.",
    )
    position = forms.IntegerField(
        min_value=1,
        max_value=1000,
        initial=1,
        help_text="A recycled lead joins the first active sequence that takes it, lowest first.",
    )
    is_active = forms.BooleanField(
        label="Active",
        required=False,
        initial=True,
        help_text="An inactive sequence takes no new leads and sends nothing until turned on.",
    )


class StepForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Plain text; a blank line starts a new paragraph. The greeting, the link and "
        "the unsubscribe line are added for you.",
    )
    content_title = forms.CharField(
        label="Content title",
        max_length=200,
        help_text="The words of the link, e.g. the title of the guide.",
    )
    content_url = forms.URLField(
        label="Content link",
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"], message=URL_NOT_WEB, code="not_web")],
        help_text="The page the link opens. Clicks are counted by Tandem on the way.",
    )
    wait_days = forms.IntegerField(
        label="Wait (days)",
        min_value=0,
        max_value=MAX_WAIT_DAYS,
        help_text="Days after the previous email; for the first email, after the lead was "
        "recycled.",
    )
    position = forms.IntegerField(
        min_value=1,
        max_value=1000,
        required=False,
        help_text="Where the email goes in the sequence; empty puts it last.",
    )
