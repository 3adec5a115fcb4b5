"""The tracking sources page, for admins: the sources and their write keys, creating and
revoking them, and how the tracking pipeline keeps up."""

import datetime as dt
import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from tandem.core.errors import DomainError, NotFound, PermissionDenied
from tandem.core.pages import MemberRequest, team_page
from tandem.people import services as people_services
from tandem.people.services import SOURCE_NAME_MAX_LENGTH
from tandem.tracking.queries import (
    PipelineStatus,
    pipeline_status,
    require_source_manager,
    source_list,
)

REVOKED = "The write key {prefix}… of {name} is revoked: calls with it are refused from now on."
NOTHING_WAITING = "nothing"


def describe_delay(delay: dt.timedelta | None) -> str:
    """A delay as a person reads it: "0.35 s", "4.2 s", "3 min 5 s", "2 h 10 min"."""
    if delay is None:
        return "—"
    seconds = delay.total_seconds()
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _status_context(status: PipelineStatus) -> dict[str, object]:
    return {
        "status": status,
        "oldest_waiting": (
            describe_delay(status.oldest_waiting) if status.oldest_waiting else NOTHING_WAITING
        ),
        "median_delay": describe_delay(status.median_delay),
        "p95_delay": describe_delay(status.p95_delay),
    }


def _sources_page(request: MemberRequest, *, name: str = "", status: int = 200) -> HttpResponse:
    context = {
        "sources": source_list(request.user),
        "name": name,
        "name_max_length": SOURCE_NAME_MAX_LENGTH,
        **_status_context(pipeline_status(request.user)),
    }
    return render(request, "tracking/sources.html", context, status=status)


@team_page
@require_GET
def sources_page(request: MemberRequest) -> HttpResponse:
    """`/tracking/`: every source with its recent traffic, and the pipeline's status."""
    return _sources_page(request)


def examples(request: HttpRequest, write_key: str) -> dict[str, str]:
    """Copy-paste set-ups of the usual libraries, sending to this server with `write_key`."""
    host = request.get_host()
    base_url = f"{request.scheme}://{host}"
    quoted = json.dumps
    return {
        "analytics_js": (
            "<script>\n"
            "  /* Segment's analytics.js snippet, as Segment publishes it, up to its\n"
            "     analytics.load(...) line; then, in place of that line: */\n"
            f"  analytics._cdn = {quoted(base_url)};  // its settings come from Tandem\n"
            f"  analytics.load({quoted(write_key)}, {{\n"
            "    integrations: {\n"
            f'      "Segment.io": {{ apiHost: {quoted(host + "/v1")}, '
            f"protocol: {quoted(request.scheme)} }}\n"
            "    }\n"
            "  });\n"
            "  analytics.page();\n"
            "</script>"
        ),
        "curl": (
            f"curl {base_url}/v1/track \\\n"
            f"  -u {write_key}: \\\n"
            "  -H 'Content-Type: application/json' \\\n"
            """  -d '{"anonymousId": "test-visitor", "event": "Tested tracking"}'"""
        ),
        "python": (
            "# pip install segment-analytics-python\n"
            "import segment.analytics as analytics\n\n"
            f"analytics.write_key = {quoted(write_key)}\n"
            f"analytics.host = {quoted(base_url)}\n\n"
            'analytics.track(anonymous_id="test-visitor", event="Tested tracking")\n'
            "analytics.flush()"
        ),
    }


@team_page
@require_POST
def create_source_page(request: MemberRequest) -> HttpResponse:
    """Create a source; its write key is on the answer to this request and nowhere else."""
    require_source_manager(request.user)
    name = request.POST.get("name", "")
    try:
        issued = people_services.create_source(by=request.user, name=name)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.message)
        return _sources_page(request, name=name[:SOURCE_NAME_MAX_LENGTH], status=400)
    context = {
        "source": issued.source,
        "write_key": issued.secret,
        **examples(request, issued.secret),
    }
    response = render(request, "tracking/sources_created.html", context)
    # The key must not outlive this page in a cache or the browser's history.
    response["Cache-Control"] = "no-store"
    return response


@team_page
@require_POST
def revoke_source_page(request: MemberRequest, prefix: str) -> HttpResponse:
    """Revoke the active source whose write key starts with `prefix`."""
    require_source_manager(request.user)
    source = people_services.revoke_source(by=request.user, prefix=prefix)
    messages.success(request, REVOKED.format(prefix=source.prefix, name=source.name))
    return redirect("tracking_pages:sources")
