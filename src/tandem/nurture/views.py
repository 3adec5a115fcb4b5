"""Nurture pages: the two public links every email carries, and the marketers' pages.

The public links need no sign-in: the token in the address is the key. The unsubscribe link
takes a POST without a CSRF token, as RFC 8058's one-click unsubscribe sends it from the mail
program; a forged POST would need the token, which only the recipient has.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.core.errors import DomainError, NotFound, PermissionDenied
from tandem.core.pages import MemberRequest, team_page
from tandem.nurture import services
from tandem.nurture.forms import SequenceForm, StepForm
from tandem.nurture.models import SentEmail, Sequence
from tandem.nurture.queries import (
    access_sequence,
    access_step,
    may_edit_nurture,
    recent_enrolments,
    require_nurture_editor,
    sent_email_by_token,
    sequence_counts,
    sequence_list,
)

SEQUENCE_CREATED = "The sequence {name} is ready: add its emails."
SEQUENCE_SAVED = "The sequence {name} is saved."
STEP_SAVED = "The email “{subject}” is saved."
STEP_REMOVED = "The email “{subject}” is removed."


def _email_by_token(token: str) -> SentEmail:
    try:
        return sent_email_by_token(token)
    except NotFound as error:
        raise Http404(error.message) from None


def _masked(address: str) -> str:
    """j•••@acme.example: enough for the recipient to recognise, little for anyone else."""
    name, _, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}" if domain else "•••"


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    """`/n/u/<token>/`: GET asks to confirm; POST (the page's button, or a mail program's
    one-click request) unsubscribes."""
    email = _email_by_token(token)
    context = {"address": _masked(email.enrolment.lead.email), "token": token}
    if request.method == "POST":
        services.unsubscribe(email=email)
        response = render(request, "nurture/unsubscribed.html", context)
    else:
        response = render(request, "nurture/unsubscribe.html", context)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# GET only: link checkers that probe with HEAD are not counted as readers.
@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """`/n/c/<token>/`: count the click, then go to the email's content, and only there."""
    email = _email_by_token(token)
    response = HttpResponseRedirect(services.record_click(email=email))
    response["Cache-Control"] = "no-store"
    return response


def _field_in_error(form: forms.Form, error: DomainError) -> str | None:
    """The field of the page's form a service error names, or None for the form as a whole."""
    return next((name for name in error.fields if name in form.fields), None)


Saved = TypeVar("Saved")


def _save(form: forms.Form, save: Callable[[], Saved]) -> Saved | None:
    """What `save` saved, or None with the service's refusal shown on the form. Not found and
    not allowed stay the page's own errors."""
    try:
        return save()
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        form.add_error(_field_in_error(form, error), error.message)
        return None


@team_page
@require_GET
def sequence_list_page(request: MemberRequest) -> HttpResponse:
    """Every sequence, in the order they take leads, with what became of their leads."""
    sequences = list(sequence_list(request.user))
    counts = sequence_counts([sequence.pk for sequence in sequences])
    context = {
        "rows": [(sequence, counts[sequence.pk]) for sequence in sequences],
        "may_edit": may_edit_nurture(request.user),
    }
    return render(request, "nurture/list.html", context)


@team_page
@require_GET
def sequence_page(request: MemberRequest, sequence_id: int) -> HttpResponse:
    """One sequence: its emails and its latest enrolments."""
    sequence = access_sequence(request.user, sequence_id)
    context = {
        "sequence": sequence,
        "counts": sequence_counts([sequence.pk])[sequence.pk],
        "enrolments": recent_enrolments(sequence),
        "may_edit": may_edit_nurture(request.user),
    }
    return render(request, "nurture/detail.html", context)


@team_page
@require_http_methods(["GET", "POST"])
def create_sequence_page(request: MemberRequest) -> HttpResponse:
    require_nurture_editor(request.user)
    form = SequenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sequence = _save(
            form, lambda: services.create_sequence(by=request.user, **form.cleaned_data)
        )
        if sequence is not None:
            messages.success(request, SEQUENCE_CREATED.format(name=sequence.name))
            return redirect("nurture:sequence-detail", sequence_id=sequence.pk)
    return render(request, "nurture/sequence_form.html", {"form": form, "sequence": None})


def _sequence_initial(sequence: Sequence) -> dict[str, Any]:
    return {name: getattr(sequence, name) for name in SequenceForm.base_fields}


@team_page
@require_http_methods(["GET", "POST"])
def edit_sequence_page(request: MemberRequest, sequence_id: int) -> HttpResponse:
    sequence = access_sequence(request.user, sequence_id, write=True)
    form = SequenceForm(request.POST or None, initial=_sequence_initial(sequence))
    if request.method == "POST" and form.is_valid():
        saved = _save(
            form,
            lambda: services.update_sequence(
                sequence=sequence, by=request.user, changes=form.cleaned_data
            ),
        )
        if saved is not None:
            messages.success(request, SEQUENCE_SAVED.format(name=saved.name))
            return redirect("nurture:sequence-detail", sequence_id=saved.pk)
    return render(request, "nurture/sequence_form.html", {"form": form, "sequence": sequence})


@team_page
@require_http_methods(["GET", "POST"])
def create_step_page(request: MemberRequest, sequence_id: int) -> HttpResponse:
    sequence = access_sequence(request.user, sequence_id, write=True)
    form = StepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        step = _save(
            form,
            lambda: services.add_step(sequence=sequence, by=request.user, **form.cleaned_data),
        )
        if step is not None:
            messages.success(request, STEP_SAVED.format(subject=step.subject))
            return redirect("nurture:sequence-detail", sequence_id=sequence.pk)
    context = {"form": form, "sequence": sequence, "step": None}
    return render(request, "nurture/step_form.html", context)


@team_page
@require_http_methods(["GET", "POST"])
def edit_step_page(request: MemberRequest, sequence_id: int, step_id: int) -> HttpResponse:
    sequence = access_sequence(request.user, sequence_id, write=True)
    step = access_step(request.user, sequence, step_id)
    initial = {name: getattr(step, name) for name in StepForm.base_fields}
    form = StepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if changes["position"] is None:
            changes.pop("position")
        saved = _save(
            form, lambda: services.update_step(step=step, by=request.user, changes=changes)
        )
        if saved is not None:
            messages.success(request, STEP_SAVED.format(subject=saved.subject))
            return redirect("nurture:sequence-detail", sequence_id=sequence.pk)
    context = {"form": form, "sequence": sequence, "step": step}
    return render(request, "nurture/step_form.html", context)


@team_page
@require_POST
def remove_step_page(request: MemberRequest, sequence_id: int, step_id: int) -> HttpResponse:
    sequence = access_sequence(request.user, sequence_id, write=True)
    step = access_step(request.user, sequence, step_id)
    try:
        services.remove_step(step=step, by=request.user)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, STEP_REMOVED.format(subject=step.subject))
    return redirect("nurture:sequence-detail", sequence_id=sequence.pk)
