"""Reads about forms: the public form behind a key, and what the management pages show."""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import Count, F, Q, QuerySet

from tandem.core.errors import NotFound, PermissionDenied
from tandem.core.roles import MANAGES_FORMS, Role
from tandem.leads.queries import require_role
from tandem.people.queries import role_of
from tandem.tracking.form_services import FORM_NOT_FOUND, MAY_NOT_MANAGE_FORMS
from tandem.tracking.models import Form, FormSubmission, SubmissionOutcome

NO_SUCH_FORM = "There is no form {form_id}."
RECENT_SUBMISSIONS = 50

# The annotation on each form of `form_list` counting its submissions of one outcome.
OUTCOME_COUNTS = {outcome.value: f"{outcome.value}_count" for outcome in SubmissionOutcome}


def public_form(key: str) -> Form:
    """The active form whose public key is `key`; an archived form is as unknown as a missing
    one."""
    form = Form.objects.select_related("campaign").filter(key=key, archived_at__isnull=True).first()
    if form is None:
        raise NotFound(FORM_NOT_FOUND)
    return form


def may_manage_forms(actor: AbstractBaseUser | AnonymousUser) -> bool:
    return role_of(actor) in MANAGES_FORMS


def require_form_manager(actor: User) -> Role:
    """The actor's role, if it may create, read and archive forms."""
    role = require_role(actor)
    if role not in MANAGES_FORMS:
        raise PermissionDenied(MAY_NOT_MANAGE_FORMS.format(role=role.label))
    return role


def form_list(actor: User) -> QuerySet[Form]:
    """Every form, active ones first, then the latest archived, each with its submissions
    counted by outcome."""
    require_form_manager(actor)
    counts = {
        name: Count("submissions", filter=Q(submissions__outcome=outcome))
        for outcome, name in OUTCOME_COUNTS.items()
    }
    return (
        Form.objects.select_related("source", "campaign")
        .annotate(**counts)
        .order_by(F("archived_at").desc(nulls_first=True), "name")
    )


def access_form(actor: User, form_id: int) -> Form:
    """The form `form_id`, for someone who manages forms."""
    require_form_manager(actor)
    form = (
        Form.objects.select_related("source", "campaign", "created_by").filter(pk=form_id).first()
    )
    if form is None:
        raise NotFound(NO_SUCH_FORM.format(form_id=form_id))
    return form


def outcome_counts(form: Form) -> dict[str, int]:
    """How many submissions of the form had each outcome, every outcome named."""
    counted = dict(form.submissions.values_list("outcome").annotate(count=Count("id")).order_by())
    return {outcome.value: counted.get(outcome.value, 0) for outcome in SubmissionOutcome}


def recent_submissions(form: Form) -> QuerySet[FormSubmission]:
    """The form's latest submissions, with the event each accepted one became."""
    return form.submissions.select_related("event")[:RECENT_SUBMISSIONS]
