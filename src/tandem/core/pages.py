"""`team_page`, the decorator every page behind the login goes through."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from tandem.core.errors import NotFound, PermissionDenied


class MemberRequest(HttpRequest):
    """A request that went through `team_page`: the user is signed in."""

    user: User
    htmx: HtmxDetails


PageView = Callable[..., HttpResponse]


def team_page(view: PageView) -> PageView:
    """Require a signed-in user and show the domain's refusals as the 403 and 404 pages.

    The role itself is checked inside the view, by the `access_*`/`require_*` call that fetches
    what the page shows; this only turns their errors into pages.
    """

    @login_required
    @wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(error.message) from None
        except PermissionDenied as error:
            raise Forbidden(error.message) from None

    return page


CSV_TYPE = "text/csv; charset=utf-8"


def download(content: bytes | str, *, content_type: str, file_name: str) -> HttpResponse:
    """A file for the browser to save under `file_name`, not to show."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    return response
