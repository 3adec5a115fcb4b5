"""The load of `tandem bench ingest`: a website's tracking calls, built ahead, sent over HTTP.

Nothing here touches Django or the database: this is the client side, run in a process of its
own so that building and sending requests is not counted as the server's work.
"""

import base64
import datetime as dt
import http.client
import itertools
import json
import math
import random
import statistics
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Any

BATCH_EVENTS = 100

# The mix of a website's calls, as shares of the events of a batch.
PAGE_SHARE, TRACK_SHARE, IDENTIFY_SHARE, STITCH_SHARE, GROUP_SHARE = 0.70, 0.20, 0.05, 0.03, 0.02
# Requests that resend an earlier batch, as a library does when an answer was lost.
REPLAY_SHARE = 0.02
# Page views and actions of leads already known (the rest come from anonymous visitors).
KNOWN_PAGE_SHARE, KNOWN_TRACK_SHARE = 0.6, 0.75
CAMPAIGN_SHARE = 0.25
NEW_VISITOR_SHARE = 0.3
VISITOR_POOL = 5_000
MIX = (
    "70% page views (50 paths; a quarter carry a campaign's UTM), 20% track (6 names, "
    "'Webinar attended' among them), 5% identify of known leads, 3% anonymous visitors "
    "signing up with a new user id and email (stitching their earlier page views), 2% group; "
    "60% of page views and 75% of actions are by known leads; 2% of requests resend an earlier "
    "batch (dedupe)"
)

PAGE_PATHS = (
    *("/", "/pricing", "/pricing/enterprise", "/pricing/compare", "/product", "/product/scoring"),
    *("/product/handoff", "/product/agreement", "/product/reports", "/product/integrations"),
    *("/customers", "/webinars", "/contact", "/demo", "/about", "/careers", "/security"),
    *("/roi-calculator", "/partners", "/changelog"),
    *(
        f"/blog/{slug}"
        for slug in (
            "mql-handoff", "lead-scoring-basics", "sla-for-sales", "attribution-models",
            "funnel-math", "intent-signals", "webinar-playbook", "abm-in-practice",
            "data-hygiene", "reverse-funnel", "nurture-that-works", "demo-no-shows",
            "pipeline-reviews", "marketing-ops-stack", "closing-the-loop",
        )
    ),
    *(
        f"/docs/{topic}"
        for topic in (
            "getting-started", "tracking", "identify", "forms", "scoring-rules", "agreement",
            "handoff", "api", "webhooks", "sso", "exports", "reports", "permissions",
            "data-retention", "changelog",
        )
    ),
)  # fmt: skip
TRACK_NAMES = (
    "Webinar attended",
    "ROI calculator used",
    "Whitepaper downloaded",
    "Video played",
    "Trial started",
    "Newsletter subscribed",
)
INDUSTRIES = ("Software", "Financial services", "Professional services", "Retail", "Healthcare")
CAMPAIGN_MEDIA = (("linkedin", "paid-social"), ("google", "cpc"), ("newsletter", "email"))
USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SITE = "https://www.example.com"


@dataclass(frozen=True)
class KnownPerson:
    """A lead the website already knows, by the ids its tracking library sends."""

    user_id: str
    anonymous_id: str
    email: str


@dataclass(frozen=True)
class Audience:
    """Who the load generator sends events as, and with which key."""

    write_key: str
    source_id: int
    known: tuple[KnownPerson, ...]
    campaign_keys: tuple[str, ...]


def hex_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


# The load: request bodies built before the clock starts.


@dataclass(frozen=True)
class Load:
    """Request bodies in sending order; a replay is the same bytes as an earlier request."""

    bodies: list[bytes]
    replays: frozenset[int]


class _Website:
    """Makes the calls a website's tracking library sends, with a pool of anonymous visitors
    of whom some come back and some identify themselves."""

    def __init__(self, audience: Audience, rng: random.Random) -> None:
        self.audience = audience
        self.rng = rng
        self.visitors: list[str] = []
        self.signups = 0
        self.kinds = (self.page, self.track, self.identify_known, self.stitch, self.group)
        shares = (PAGE_SHARE, TRACK_SHARE, IDENTIFY_SHARE, STITCH_SHARE, GROUP_SHARE)
        self.cumulative = list(itertools.accumulate(shares))

    def batch(self, size: int) -> bytes:
        moment = dt.datetime.now(tz=dt.UTC)
        makers = self.rng.choices(self.kinds, cum_weights=self.cumulative, k=size)
        messages = [make(moment) for make in makers]
        body = {"batch": messages, "sentAt": _iso(moment)}
        return json.dumps(body, separators=(",", ":")).encode()

    def _message(
        self, kind: str, moment: dt.datetime, *, user_id: str = "", anonymous_id: str = ""
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": kind,
            "messageId": hex_id(self.rng),
            "timestamp": _iso(moment - dt.timedelta(milliseconds=self.rng.randrange(2_000))),
            "context": {
                "library": {"name": "analytics.js", "version": "5.2.0"},
                "userAgent": USER_AGENT,
                "locale": "en-US",
            },
        }
        if user_id:
            message["userId"] = user_id
        if anonymous_id:
            message["anonymousId"] = anonymous_id
        return message

    def _someone(self, known_share: float) -> tuple[str, str]:
        """(user id, anonymous id) of a known lead, sometimes signed in, or of a visitor."""
        if self.rng.random() < known_share:
            person = self.rng.choice(self.audience.known)
            signed_in = self.rng.random() < 0.5
            return (person.user_id if signed_in else "", person.anonymous_id)
        if not self.visitors or self.rng.random() < NEW_VISITOR_SHARE:
            self.visitors.append(hex_id(self.rng))
            if len(self.visitors) > VISITOR_POOL:
                self.visitors.pop(0)
            return ("", self.visitors[-1])
        return ("", self.rng.choice(self.visitors))

    def page(self, moment: dt.datetime) -> dict[str, Any]:
        user_id, anonymous_id = self._someone(KNOWN_PAGE_SHARE)
        path = self.rng.choice(PAGE_PATHS)
        url = f"{SITE}{path}"
        message = self._message("page", moment, user_id=user_id, anonymous_id=anonymous_id)
        if self.audience.campaign_keys and self.rng.random() < CAMPAIGN_SHARE:
            key = self.rng.choice(self.audience.campaign_keys)
            source, medium = self.rng.choice(CAMPAIGN_MEDIA)
            url = f"{url}?utm_source={source}&utm_medium={medium}&utm_campaign={key}"
            message["context"]["campaign"] = {"name": key, "source": source, "medium": medium}
        page = {"path": path, "url": url, "title": path.strip("/") or "Home", "referrer": ""}
        message["context"]["page"] = page
        message["properties"] = dict(page)
        return message

    def track(self, moment: dt.datetime) -> dict[str, Any]:
        user_id, anonymous_id = self._someone(KNOWN_TRACK_SHARE)
        message = self._message("track", moment, user_id=user_id, anonymous_id=anonymous_id)
        message["event"] = self.rng.choice(TRACK_NAMES)
        message["properties"] = {"plan": self.rng.choice(("starter", "team", "enterprise"))}
        return message

    def identify_known(self, moment: dt.datetime) -> dict[str, Any]:
        person = self.rng.choice(self.audience.known)
        message = self._message(
            "identify", moment, user_id=person.user_id, anonymous_id=person.anonymous_id
        )
        message["traits"] = {"email": person.email}
        return message

    def stitch(self, moment: dt.datetime) -> dict[str, Any]:
        """A visitor seen before signs up: a new user id and email make a new lead, and their
        page views become its."""
        if not self.visitors:
            return self.page(moment)
        anonymous_id = self.visitors.pop(self.rng.randrange(len(self.visitors)))
        self.signups += 1
        user_id = f"signup-{anonymous_id[:16]}"
        message = self._message("identify", moment, user_id=user_id, anonymous_id=anonymous_id)
        message["traits"] = {
            "email": f"visitor-{anonymous_id[:12]}@example.org",
            "firstName": "Visitor",
            "lastName": str(self.signups),
        }
        return message

    def group(self, moment: dt.datetime) -> dict[str, Any]:
        person = self.rng.choice(self.audience.known)
        message = self._message(
            "group", moment, user_id=person.user_id, anonymous_id=person.anonymous_id
        )
        # A person works for one account: the same group call again changes nothing.
        account = zlib.crc32(person.email.encode()) % 200
        message["groupId"] = f"acct-{account:03d}"
        message["traits"] = {
            "name": f"Account {account:03d}",
            "industry": INDUSTRIES[account % len(INDUSTRIES)],
            "employees": 20 + 37 * account,
        }
        return message


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_load(audience: Audience, *, requests: int, seed: int) -> Load:
    """`requests` bodies of BATCH_EVENTS events each, about REPLAY_SHARE of them replays."""
    rng = random.Random(seed)  # noqa: S311 -- test data, not a secret
    website = _Website(audience, rng)
    bodies: list[bytes] = []
    replays = set()
    for index in range(requests):
        if index and rng.random() < REPLAY_SHARE:
            bodies.append(bodies[rng.randrange(index)])
            replays.add(index)
        else:
            bodies.append(website.batch(BATCH_EVENTS))
    return Load(bodies=bodies, replays=frozenset(replays))


# Sending the load.


@dataclass(frozen=True)
class Spread:
    """Median, 95th percentile (nearest rank) and maximum, in milliseconds."""

    median_ms: float
    p95_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: list[float]) -> "Spread":
        if not seconds:
            return cls(median_ms=0.0, p95_ms=0.0, max_ms=0.0)
        ordered = sorted(seconds)
        rank = max(1, math.ceil(0.95 * len(ordered)))
        return cls(
            median_ms=round(statistics.median(ordered) * 1000, 1),
            p95_ms=round(ordered[rank - 1] * 1000, 1),
            max_ms=round(ordered[-1] * 1000, 1),
        )


@dataclass(frozen=True)
class LoadResult:
    """What one load against one server achieved."""

    requests: int
    acknowledged: int
    failed: int
    events: int
    stored: int
    duplicates: int
    # Acknowledged requests that resent an earlier batch.
    replays: int
    seconds: float
    started_at: float
    ran_out: bool
    request_times: Spread

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


@dataclass
class _Tally:
    acknowledged: int = 0
    failed: int = 0
    replays: int = 0
    stored: int = 0
    duplicates: int = 0
    last_answer_at: float = 0.0


def send_load(
    load: Load,
    *,
    port: int,
    path: str,
    write_key: str,
    seconds: float | None,
    concurrency: int,
    rate: float | None = None,
) -> LoadResult:
    """Send `load` from `concurrency` threads, each on a keep-alive connection, until every body
    is sent or `seconds` have passed; answers are counted as a library would. With `rate`
    (events a second) the bodies are sent on a schedule, as steady traffic arrives; without,
    as fast as the server answers."""
    headers = {
        "Content-Type": "application/json",
        "Authorization": "Basic " + _basic(write_key),
        "Connection": "keep-alive",
    }
    next_index = itertools.count()
    tallies = [_Tally() for _ in range(concurrency)]
    times: list[list[float]] = [[] for _ in range(concurrency)]
    started_at = time.time()
    started = time.perf_counter()
    deadline = started + seconds if seconds is not None else math.inf

    def sender(tally: _Tally, request_times: list[float]) -> None:
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while (index := next(next_index)) < len(load.bodies):
            if rate:
                time.sleep(max(0.0, started + index * BATCH_EVENTS / rate - time.perf_counter()))
            if time.perf_counter() >= deadline:
                break
            sent = time.perf_counter()
            try:
                client.request("POST", path, load.bodies[index], headers)
                response = client.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException):
                tally.failed += 1
                client.close()
                continue
            tally.last_answer_at = time.perf_counter()
            request_times.append(tally.last_answer_at - sent)
            if response.status != 200:
                tally.failed += 1
                continue
            tally.acknowledged += 1
            if index in load.replays:
                tally.replays += 1
            # The real endpoint says how many it stored and how many it had already.
            counts = json.loads(answer)
            tally.stored += counts.get("stored", 0)
            tally.duplicates += counts.get("duplicates", 0)
        client.close()

    threads = [
        threading.Thread(target=sender, args=(tally, request_times), daemon=True)
        for tally, request_times in zip(tallies, times, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = max([tally.last_answer_at for tally in tallies] + [started])
    acknowledged = sum(tally.acknowledged for tally in tallies)
    return LoadResult(
        requests=acknowledged + sum(tally.failed for tally in tallies),
        acknowledged=acknowledged,
        failed=sum(tally.failed for tally in tallies),
        events=acknowledged * BATCH_EVENTS,
        stored=sum(tally.stored for tally in tallies),
        duplicates=sum(tally.duplicates for tally in tallies),
        replays=sum(tally.replays for tally in tallies),
        seconds=round(ended - started, 3),
        started_at=started_at,
        ran_out=seconds is not None
        and sum(tally.acknowledged + tally.failed for tally in tallies) >= len(load.bodies),
        request_times=Spread.of([value for part in times for value in part]),
    )


def _basic(write_key: str) -> str:
    return base64.b64encode(f"{write_key}:".encode()).decode()
