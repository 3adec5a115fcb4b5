"""Forms: the public endpoint any website posts to, Tandem's hosted form page, and the pages
where marketing creates forms and copies their snippet.

The public endpoint answers any origin (CORS `*`) and needs no CSRF token: it is meant to be
posted to from other sites, it sends no cookies and it changes nothing a signed-in person
owns. An HTML post is answered with a redirect, a `fetch` (JSON body or `Accept:
application/json`) with JSON.
"""

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.campaigns.models import Campaign
from tandem.core.errors import DomainError, NotFound, PermissionDenied
from tandem.core.http import client_address
from tandem.core.pages import MemberRequest, team_page
from tandem.people.models import Source
from tandem.tracking import form_services
from tandem.tracking.form_queries import (
    access_form,
    form_list,
    outcome_counts,
    public_form,
    recent_submissions,
    require_form_manager,
)
from tandem.tracking.form_services import (
    CONSENT_FIELD,
    FIELD_LABELS,
    FIELD_MAX_LENGTHS,
    FORM_FIELDS,
    NAME_MAX_LENGTH,
    REDIRECT_MAX_LENGTH,
    TICKED,
    WORDING_MAX_LENGTH,
    FormRateLimited,
    started_value,
)
from tandem.tracking.models import Form, SubmissionOutcome

# Far more than any form's fields, far less than a file upload.
MAX_BODY_BYTES = 64 * 1024

BODY_TOO_LARGE = "A form may send at most 64 KB."
NOT_A_JSON_OBJECT = "The body must be a JSON object of field names and values."
VALUE_NOT_TEXT = "{field} must be text, a number or true/false."
FORM_CREATED = "The form {name} is ready: copy its snippet into your page."
FORM_ARCHIVED = "The form {name} is archived: it no longer takes submissions."

INPUT_TYPES = {"email": "email", "phone": "tel"}
AUTOCOMPLETE = {
    "email": "email",
    "first_name": "given-name",
    "last_name": "family-name",
    "company": "organization",
    "job_title": "organization-title",
    "phone": "tel",
    "country": "country",
}
PATTERNS = {"country": "[A-Za-z]{2}"}


@dataclass(frozen=True)
class ShownField:
    """One lead field as a form page or snippet shows it."""

    name: str
    value: str = ""
    problem: str = ""

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.name]

    @property
    def input_type(self) -> str:
        return INPUT_TYPES.get(self.name, "text")

    @property
    def max_length(self) -> int:
        return FIELD_MAX_LENGTHS[self.name]

    @property
    def autocomplete(self) -> str:
        return AUTOCOMPLETE[self.name]

    @property
    def pattern(self) -> str:
        return PATTERNS.get(self.name, "")

    @property
    def is_required(self) -> bool:
        return self.name == "email"


def _allow_any_origin(response: HttpResponse, *, preflight: bool = False) -> HttpResponse:
    """Any site may post to a form and read the answer; no cookies are sent, so `*` is safe."""
    response["Access-Control-Allow-Origin"] = "*"
    if preflight:
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Content-Type, Accept"
        response["Access-Control-Max-Age"] = "86400"
    return response


def _wants_json(request: HttpRequest) -> bool:
    """A `fetch` sending JSON, or asking for it, is answered with JSON; a browser's own form
    post with pages."""
    accepts = request.headers.get("Accept", "")
    return request.content_type == "application/json" or "application/json" in accepts


def _json_error(error: DomainError) -> HttpResponse:
    body = {"code": error.code, "message": error.message, "fields": error.fields}
    return _allow_any_origin(JsonResponse(body, status=error.status_code))


def _posted_data(request: HttpRequest) -> dict[str, str]:
    """The posted fields as text, from a JSON object or an HTML form (urlencoded or multipart)."""
    if len(request.body) > MAX_BODY_BYTES:
        raise DomainError(BODY_TOO_LARGE, code="payload_too_large")
    if request.content_type != "application/json":
        return {name: request.POST.get(name, "") for name in request.POST}
    try:
        body = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DomainError(NOT_A_JSON_OBJECT, code="invalid_json") from None
    if not isinstance(body, dict):
        raise DomainError(NOT_A_JSON_OBJECT, code="invalid_json")
    return {str(name): _as_text(str(name), value) for name, value in body.items()}


def _as_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    message = VALUE_NOT_TEXT.format(field=name)
    raise DomainError(message, fields={name: message})


def _form_page(
    request: HttpRequest,
    form: Form,
    *,
    data: dict[str, str] | None = None,
    problem: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    """Tandem's own page for the form, filled with what was sent when it must be corrected."""
    data = data or {}
    problems = problem.fields if problem is not None else {}
    context = {
        "form": form,
        "fields": [
            ShownField(name=name, value=data.get(name, ""), problem=problems.get(name, ""))
            for name in form.fields
        ],
        "problem": problem.message if problem is not None else "",
        "consent_ticked": data.get(CONSENT_FIELD, "").strip().lower() in TICKED,
        "started": started_value(form=form),
        # Filled here so the form works without the script; a corrected form keeps the address
        # the person first came to.
        "page_url": data.get("page_url") or request.build_absolute_uri(),
        "referrer": data.get("referrer") or request.headers.get("Referer", ""),
        "anonymous_id": data.get("anonymous_id", ""),
        "started_url": "",
    }
    return render(request, "tracking/forms/page.html", context, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST", "OPTIONS"])
def form_endpoint(request: HttpRequest, key: str) -> HttpResponse:
    """`/f/<key>/`: GET shows Tandem's page for the form; POST submits it, from anywhere."""
    if request.method == "OPTIONS":
        return _allow_any_origin(HttpResponse(status=204), preflight=True)
    wants_json = _wants_json(request)
    try:
        form = public_form(key)
    except NotFound as error:
        if wants_json:
            return _json_error(error)
        raise Http404(error.message) from None
    if request.method == "GET":
        return _form_page(request, form)
    data: dict[str, str] = {}
    try:
        data = _posted_data(request)
        form_services.submit_form(
            form=form,
            data=data,
            client_ip=client_address(request),
            user_agent=request.headers.get("User-Agent", ""),
            referer=request.headers.get("Referer", ""),
        )
    except DomainError as error:
        if wants_json:
            return _json_error(error)
        if isinstance(error, FormRateLimited):
            context = {"form": form, "message": error.message}
            return render(request, "tracking/forms/refused.html", context, status=429)
        return _form_page(request, form, data=data, problem=error, status=400)
    if wants_json:
        return _allow_any_origin(JsonResponse({"success": True}))
    return redirect(form.redirect_url or reverse("forms:form-thanks", args=[form.key]))


@require_GET
def form_started(request: HttpRequest, key: str) -> HttpResponse:
    """`/f/<key>/started`: the signed time a page on another site puts in `started`."""
    try:
        form = public_form(key)
    except NotFound as error:
        return _json_error(error)
    response = JsonResponse({"started": started_value(form=form)})
    # Each showing of the form needs its own time.
    response["Cache-Control"] = "no-store"
    return _allow_any_origin(response)


@require_GET
def form_thanks(request: HttpRequest, key: str) -> HttpResponse:
    """Where an HTML post lands when the form names no page of its own."""
    try:
        form = public_form(key)
    except NotFound as error:
        raise Http404(error.message) from None
    return render(request, "tracking/forms/thanks.html", {"form": form})


class NewFormForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Webinar sign-up"}),
        help_text="Scoring rules match form submissions by this name.",
    )
    source = forms.ModelChoiceField(
        queryset=Source.objects.filter(revoked_at__isnull=True),
        # Most organisations have one website source: it is chosen already.
        empty_label=None,
        help_text="The tracking source its submissions are counted under.",
    )
    lead_fields = forms.MultipleChoiceField(
        label="Fields",
        choices=[(name, FIELD_LABELS[name]) for name in FORM_FIELDS if name != "email"],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Email is always asked.",
    )
    consent_wording = forms.CharField(
        label="Consent wording",
        max_length=WORDING_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "The exact sentence beside the consent checkbox, stored with every answer. Leave it "
            "empty for a form that asks no consent."
        ),
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"),
        required=False,
        help_text="Credited when the page's address carries no utm_campaign.",
    )
    redirect_url = forms.URLField(
        label="Page after sending",
        max_length=REDIRECT_MAX_LENGTH,
        required=False,
        assume_scheme="https",
        help_text="Where a person goes after sending; empty shows Tandem's thank-you page.",
    )


def _field_in_error(new_form: NewFormForm, error: DomainError) -> str | None:
    """The field of the page's form a service error names, or None for the form as a whole."""
    for name in error.fields:
        field = "lead_fields" if name == "fields" else name
        if field in new_form.fields:
            return field
    return None


@team_page
@require_GET
def form_list_page(request: MemberRequest) -> HttpResponse:
    """Every form with its submissions counted by outcome."""
    context = {"forms": form_list(request.user), "outcomes": SubmissionOutcome}
    return render(request, "tracking/forms/list.html", context)


@team_page
@require_http_methods(["GET", "POST"])
def create_form_page(request: MemberRequest) -> HttpResponse:
    require_form_manager(request.user)
    new_form = NewFormForm(request.POST or None)
    if request.method == "POST" and new_form.is_valid():
        try:
            details = dict(new_form.cleaned_data)
            form = form_services.create_form(
                by=request.user, fields=details.pop("lead_fields"), **details
            )
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            new_form.add_error(_field_in_error(new_form, error), error.message)
        else:
            messages.success(request, FORM_CREATED.format(name=form.name))
            return redirect("forms:form-detail", form_id=form.pk)
    has_sources = Source.objects.filter(revoked_at__isnull=True).exists()
    context = {"new_form": new_form, "has_sources": has_sources}
    return render(request, "tracking/forms/new.html", context)


def form_snippet(request: HttpRequest, form: Form) -> str:
    """The HTML a site pastes to show the form: the fields, the hidden spam and tracking
    fields, and a small script that fills them."""
    context = {
        "form": form,
        "action": request.build_absolute_uri(reverse("forms:form-page", args=[form.key])),
        "started_url": request.build_absolute_uri(reverse("forms:form-started", args=[form.key])),
        "fields": [ShownField(name=name) for name in form.fields],
        "consent_ticked": False,
        "started": "",
        "page_url": "",
        "referrer": "",
        "anonymous_id": "",
    }
    rendered = render_to_string("tracking/forms/snippet.html", context)
    # Without the blank lines the template's tags leave, so the snippet reads well pasted.
    return "\n".join(line.rstrip() for line in rendered.splitlines() if line.strip()) + "\n"


@team_page
@require_GET
def form_detail_page(request: MemberRequest, form_id: int) -> HttpResponse:
    """One form: what it asks, its snippet, and its latest submissions."""
    form = access_form(request.user, form_id)
    counts = outcome_counts(form)
    context = {
        "form": form,
        "fields": [FIELD_LABELS[name] for name in form.fields],
        "snippet": form_snippet(request, form),
        "hosted_url": request.build_absolute_uri(reverse("forms:form-page", args=[form.key])),
        "counts": [(outcome.label, counts[outcome.value]) for outcome in SubmissionOutcome],
        "submissions": recent_submissions(form),
    }
    return render(request, "tracking/forms/detail.html", context)


@team_page
@require_POST
def archive_form_page(request: MemberRequest, form_id: int) -> HttpResponse:
    form = access_form(request.user, form_id)
    try:
        form = form_services.archive_form(by=request.user, form=form)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, FORM_ARCHIVED.format(name=form.name))
    return redirect("forms:form-detail", form_id=form.pk)
