"""The demo's tracking: a website source whose write key is printed, and a hosted demo-request
form, so events and form posts can be tried against the running demo at once."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from tandem.people.models import Source
from tandem.people.services import create_source
from tandem.tracking.form_services import create_form
from tandem.tracking.models import Form

SOURCE_NAME = "Website (demo)"
# A local demo: the key is fixed and printed, like the demo's passwords.
DEMO_WRITE_KEY = "tandem-demo-write-key"
FORM_NAME = "Demo request"
FORM_FIELDS = ["email", "first_name", "last_name", "company", "job_title"]
CONSENT_WORDING = (
    "Yes, send me news about the product. I can unsubscribe with one click at any time."
)
FORM_OWNER = "maria.marketer"


@dataclass(frozen=True)
class DemoTracking:
    write_key: str
    form_key: str


@transaction.atomic
def write_tracking(people: dict[str, User]) -> DemoTracking:
    """The demo's source and form, created the first time."""
    source = Source.objects.filter(name=SOURCE_NAME).first()
    if source is None:
        source = create_source(by=None, name=SOURCE_NAME, write_key=DEMO_WRITE_KEY).source
    form = Form.objects.filter(name=FORM_NAME).first()
    if form is None:
        form = create_form(
            by=people.get(FORM_OWNER),
            name=FORM_NAME,
            source=source,
            fields=FORM_FIELDS,
            consent_wording=CONSENT_WORDING,
        )
    return DemoTracking(write_key=DEMO_WRITE_KEY, form_key=form.key)
