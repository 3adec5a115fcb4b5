"""The kinds of activity demo leads have: page views, forms, email clicks, webinars.

Events share these kinds, so a million events hold a few dozen property dicts.
"""

import datetime as dt
from collections.abc import Sequence

from tandem.core.demo import vocabulary as words
from tandem.core.demo.records import EventKind
from tandem.leads.models import EventType


def _page(name: str, path: str) -> EventKind:
    return EventKind(type=EventType.PAGE, name=name, properties={"path": path})


def _form(name: str, form: str, path: str) -> EventKind:
    return EventKind(type=EventType.FORM, name=name, properties={"form": form, "path": path})


PRICING_PAGE = _page("Pricing", "/pricing")
HOME_PAGE = _page("Home", "/")
BROWSING_PAGES = (
    HOME_PAGE,
    _page("Product tour", "/product"),
    _page("Integrations", "/integrations"),
    _page("Customer stories", "/customers"),
    _page("Security", "/security"),
    _page("Docs: getting started", "/docs/getting-started"),
    _page("Docs: lead agreement", "/docs/lead-agreement"),
    *(_page(f"Blog: {title}", f"/blog/{slug}") for title, slug in words.BLOG_POSTS),
)
CONTACT_FORM = _form("Contact sales", "contact-sales", "/contact")
DEMO_FORM = _form("Demo request", "demo-request", "/demo")
EBOOK_FORM = _form("Ebook download", "ebook", "/resources/funnel-benchmarks")
WEBINAR_FORM = _form("Webinar registration", "webinar-registration", "/webinars")
NEWSLETTER_FORM = _form("Newsletter signup", "newsletter", "/blog")
EMAIL_CLICK = EventKind(type=EventType.EMAIL, name="Email link clicked", properties={})
WEBINAR_ATTENDED = EventKind(type=EventType.TRACK, name="Webinar attended", properties={})
CALCULATOR_USED = EventKind(type=EventType.TRACK, name="ROI calculator used", properties={})
CASE_STUDY = EventKind(type=EventType.TRACK, name="Case study downloaded", properties={})
LANDING_PAGES: dict[str, EventKind] = {}


def landing_view(path: str) -> EventKind:
    """The page-view kind for a landing page, shared by every lead that landed there."""
    kind = LANDING_PAGES.get(path)
    if kind is None:
        kind = LANDING_PAGES[path] = _page("Landing page", path or "/")
    return kind


# What a lead's later activity is made of, for leads that go on to sales and for those that
# do not: (kind, weight). None stands for "any browsing page".
ACTIVITY_OF_CONVERTERS = (
    (PRICING_PAGE, 15),
    (None, 35),
    (EMAIL_CLICK, 20),
    (WEBINAR_ATTENDED, 8),
    (CALCULATOR_USED, 6),
    (CASE_STUDY, 6),
    (EBOOK_FORM, 5),
    (CONTACT_FORM, 5),
)
ACTIVITY_OF_OTHERS = (
    (PRICING_PAGE, 4),
    (None, 52),
    (EMAIL_CLICK, 30),
    (WEBINAR_ATTENDED, 4),
    (CALCULATOR_USED, 1),
    (CASE_STUDY, 3),
    (EBOOK_FORM, 5),
    (NEWSLETTER_FORM, 1),
)


def _spread(weighted: Sequence[tuple[EventKind | None, int]]) -> tuple[EventKind | None, ...]:
    """A table with each kind repeated by its weight, so one random index draws a kind."""
    return tuple(kind for kind, weight in weighted for _ in range(weight))


CONVERTER_ACTIVITY = _spread(ACTIVITY_OF_CONVERTERS)
OTHER_ACTIVITY = _spread(ACTIVITY_OF_OTHERS)
# Events reach the server a second or three after they happen.
LATENCY = tuple(dt.timedelta(seconds=seconds) for seconds in (1, 2, 3))
