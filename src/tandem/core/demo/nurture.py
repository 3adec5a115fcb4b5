"""The demo's nurture: one active three-email sequence for every recycled lead, written by the
marketer, and the leads the generated history left recycled enrolled in it.

They are enrolled now, so their first email is due two days after the demo was built; the
pages show them waiting for it.
"""

from django.contrib.auth.models import User
from django.db import transaction

from tandem.leads.models import Lead, Stage
from tandem.nurture import services as nurture_services
from tandem.nurture.models import Sequence

AUTHOR = "maria.marketer"
NAME = "Not now — stay in touch"
DESCRIPTION = (
    "For leads sales recycled as not ready yet: three useful emails over three weeks, each "
    "with one piece of content. A click on any of them counts as email engagement, and can "
    "bring the lead back as an MQL."
)
STEPS = [
    nurture_services.StepSpec(
        subject="The guide our customers read before they choose",
        body=(
            "You told us the timing was not right, and that is fine. When it is, this guide "
            "will save you a few weeks: how teams like yours compare tools, what to ask in a "
            "demo, and the mistakes we see most often in the first ninety days."
        ),
        content_url="https://tandem.example/resources/buyers-guide",
        content_title="Read the buyer's guide (12 minutes)",
        wait_days=2,
    ),
    nurture_services.StepSpec(
        subject="How Northwind halved its cost per opportunity",
        body=(
            "Northwind's marketing and sales teams used to argue about lead quality every "
            "Monday. They agreed on one definition of a qualified lead, routed every MQL within "
            "a minute and answered every rejection with a reason.\n\nSix months later their "
            "cost per opportunity was half what it had been. Their head of growth tells the "
            "story in five minutes."
        ),
        content_url="https://tandem.example/customers/northwind",
        content_title="Read Northwind's story",
        wait_days=7,
    ),
    nurture_services.StepSpec(
        subject="Is now a better time?",
        body=(
            "It has been a few weeks since we last spoke. If your plans have moved on, our "
            "ROI calculator shows in two minutes what aligning marketing and sales is worth "
            "for a team of your size; and if you would rather talk, reply to this email."
        ),
        content_url="https://tandem.example/roi-calculator",
        content_title="Try the ROI calculator",
        wait_days=14,
    ),
]


@transaction.atomic
def write_nurture() -> int:
    """The sequence, the first time, and every recycled lead not yet in a sequence enrolled in
    it. Returns how many leads were enrolled."""
    if not Sequence.objects.filter(name=NAME).exists():
        nurture_services.create_sequence(
            by=User.objects.filter(username=AUTHOR).first(),
            name=NAME,
            description=DESCRIPTION,
            steps=STEPS,
        )
    recycled = list(Lead.objects.filter(stage=Stage.RECYCLED).values_list("pk", flat=True))
    return nurture_services.enrol_leads(lead_ids=recycled)
