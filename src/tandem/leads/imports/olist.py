"""The import of Olist's marketing funnel (Kaggle "Marketing Funnel by Olist").

Two files: the marketing-qualified leads (one row per MQL) and the deals Olist's sales team
closed with some of them. Both files are read and checked in full before anything is written,
and everything is then written in one transaction through the real services and the lifecycle,
so a malformed file leaves the database as it was. Rows imported before (leads, companies and
deals found by `import_source` and `external_id`, campaigns by `utm_key`) are skipped, so the
import can run again safely.
"""

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.db import transaction

from tandem.campaigns import services as campaign_services
from tandem.campaigns.models import Campaign, Channel
from tandem.core.errors import DomainError
from tandem.core.money import CENT
from tandem.core.progress import Progress, no_progress
from tandem.core.time import now, organisation_zone, start_of_day
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import Company, Deal, DealStage, Lead, Stage

SOURCE = "olist"
ACTOR_LABEL = "import:olist"
CURRENCY = "BRL"
MQL_FILE = "olist_marketing_qualified_leads_dataset.csv"
DEALS_FILE = "olist_closed_deals_dataset.csv"
MQL_COLUMNS = ("mql_id", "first_contact_date", "landing_page_id", "origin")
DEAL_COLUMNS = (
    "mql_id",
    "seller_id",
    "sdr_id",
    "sr_id",
    "won_date",
    "business_segment",
    "lead_type",
    "lead_behaviour_profile",
    "has_company",
    "has_gtin",
    "average_stock",
    "business_type",
    "declared_product_catalog_size",
    "declared_monthly_revenue",
)

# Olist's lead origins and the channel each belongs to. An empty origin becomes "unknown".
ORIGIN_CHANNELS: dict[str, Channel] = {
    "paid_search": Channel.PAID_SEARCH,
    "organic_search": Channel.ORGANIC_SEARCH,
    "social": Channel.SOCIAL,
    "email": Channel.EMAIL,
    "display": Channel.DISPLAY,
    "referral": Channel.REFERRAL,
    "direct_traffic": Channel.DIRECT,
    "other": Channel.OTHER,
    "other_publicities": Channel.OTHER,
    "unknown": Channel.UNKNOWN,
}
EMPTY_ORIGIN = "unknown"
FLAGS = {"True": True, "False": False, "": None}
# The free-text columns hold short codes ("home_decor", "online_medium"); segment and industry
# are stored in columns of 100 characters.
TEXT_LIMIT = 100
# What a deal's amount column holds: 14 digits, 2 of them after the point.
MAX_AMOUNT = Decimal("999999999999.99")
PROGRESS_EVERY = 500

ID_PATTERN = re.compile(r"[0-9a-f]{32}")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
NUMBER_PATTERN = re.compile(r"[0-9]+(\.[0-9]+)?")

# Where a problem is: the file, the line as an editor numbers it (the header is line 1), and
# the column by number and name.
AT_CELL = "{file} line {line}, column {number} ({column}): {problem}"
AT_EXTRA_CELL = "{file} line {line}, column {number}: {problem}"
AT_LINE = "{file} line {line}: {problem}"
FILE_MISSING = "{file} is missing from {directory}."
FILE_UNREADABLE = "{file} cannot be read: {reason}."
FILE_EMPTY = "{file} is empty; its first line must be the header {header}."
NOT_UTF8 = "is not UTF-8 text."
NOT_CSV = "is not valid CSV ({reason})."
EMPTY_LINE = "is empty; every line after the header must be a row."
HEADER_WRONG = "the header says {found!r} where {expected!r} belongs; the header must be {header}."
HEADER_SHORT = "the header ends where {expected!r} belongs; the header must be {header}."
HEADER_LONG = "the header has an extra column {found!r}; the header must be {header}."
ROW_SHORT = "missing; the row has {count} columns where the header has {expected}."
ROW_LONG = "unexpected extra value {value!r}; the header has {expected} columns."
NOT_AN_ID = "{value!r} is not an id of 32 hexadecimal digits (0-9, a-f)."
NOT_A_DATE = "{value!r} is not a date (YYYY-MM-DD)."
NOT_A_DATETIME = "{value!r} is not a date and time (YYYY-MM-DD HH:MM:SS)."
IN_THE_FUTURE = "{value!r} is in the future."
NOT_AN_ORIGIN = "{value!r} is not an Olist origin; expected one of {choices}, or empty."
NOT_A_NUMBER = "{value!r} is not a non-negative number (or empty)."
TOO_MANY_DECIMALS = "{value!r} has more than two decimal places."
TOO_LARGE = "{value!r} is larger than {limit}."
NOT_A_FLAG = "{value!r} is not True, False or empty."
TOO_LONG = "{value!r} is longer than {limit} characters."
DUPLICATE = "{value!r} is already on line {line}."
UNKNOWN_MQL = "{value!r} is not an mql_id in " + MQL_FILE + "."
WRITE_REFUSED = "cannot be imported: {message}"

LEAD_REASON = "Olist: first contact"
WON_REASON = "Olist: deal won"
WON_EARLY_REASON = (
    "Olist: deal won (won date {won_date} precedes first contact on {first_contact}; "
    "recorded at first contact)"
)
OPENED_AT_WIN_NOTE = (
    "won date {won_date} precedes first contact on {first_contact}; opened_on set to the won date"
)
SUMMARY = (
    "Created {leads}, {deals}, {companies} and {campaigns}; moved {customers} to customer; "
    "skipped {skipped} already imported ({skipped_leads}, {skipped_deals}, "
    "{skipped_companies}, {skipped_campaigns})."
)

T = TypeVar("T")


class ImportFileError(DomainError):
    """An import file is missing or malformed; nothing was written."""

    code = "invalid_file"


@dataclass(frozen=True)
class MqlRow:
    line: int
    mql_id: str
    first_contact_on: dt.date
    landing_page_id: str
    # As in the file; empty for an MQL whose origin Olist did not record.
    origin: str

    @property
    def source(self) -> str:
        return self.origin or EMPTY_ORIGIN


@dataclass(frozen=True)
class DealRow:
    line: int
    mql_id: str
    seller_id: str
    sdr_id: str
    sr_id: str
    # As in the file (naive), and as read in the organisation's time zone.
    won_date: str
    won_at: dt.datetime
    business_segment: str
    lead_type: str
    lead_behaviour_profile: str
    has_company: bool | None
    has_gtin: bool | None
    average_stock: str
    business_type: str
    declared_product_catalog_size: Decimal | None
    declared_monthly_revenue: Decimal | None


@dataclass(frozen=True)
class OlistData:
    mqls: list[MqlRow]
    deals: list[DealRow]


@dataclass
class OlistImportResult:
    leads_created: int = 0
    deals_created: int = 0
    companies_created: int = 0
    campaigns_created: int = 0
    customers_made: int = 0
    leads_skipped: int = 0
    deals_skipped: int = 0
    companies_skipped: int = 0
    campaigns_skipped: int = 0

    @property
    def skipped(self) -> int:
        return (
            self.leads_skipped
            + self.deals_skipped
            + self.companies_skipped
            + self.campaigns_skipped
        )

    def summary(self) -> str:
        return SUMMARY.format(
            leads=_count(self.leads_created, "lead", "leads"),
            deals=_count(self.deals_created, "deal", "deals"),
            companies=_count(self.companies_created, "company", "companies"),
            campaigns=_count(self.campaigns_created, "campaign", "campaigns"),
            customers=_count(self.customers_made, "lead", "leads"),
            skipped=self.skipped,
            skipped_leads=_count(self.leads_skipped, "lead", "leads"),
            skipped_deals=_count(self.deals_skipped, "deal", "deals"),
            skipped_companies=_count(self.companies_skipped, "company", "companies"),
            skipped_campaigns=_count(self.campaigns_skipped, "campaign", "campaigns"),
        )


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


# Reading and checking


class _BadValue(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class _Row:
    file: str
    line: int
    columns: tuple[str, ...]
    values: list[str]

    def get(self, column: str, parse: Callable[[str], T]) -> T:
        """The value of `column`, parsed; a value `parse` refuses raises ImportFileError."""
        try:
            return parse(self.values[self.columns.index(column)])
        except _BadValue as bad:
            raise self.error(column, bad.problem) from None

    def error(self, column: str, problem: str) -> ImportFileError:
        return _cell_error(self.file, self.line, self.columns, column, problem)


def _cell_error(
    file: str, line: int, columns: tuple[str, ...], column: str, problem: str
) -> ImportFileError:
    number = columns.index(column) + 1
    return ImportFileError(
        AT_CELL.format(file=file, line=line, number=number, column=column, problem=problem)
    )


def _line_error(file: str, line: int, problem: str) -> ImportFileError:
    return ImportFileError(AT_LINE.format(file=file, line=line, problem=problem))


def _decode(file: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _line_error(file, raw.count(b"\n", 0, error.start) + 1, NOT_UTF8) from None


def _check_header(file: str, header: list[str], columns: tuple[str, ...]) -> None:
    expected_header = ",".join(columns)
    for index, expected in enumerate(columns):
        if index >= len(header):
            problem = HEADER_SHORT.format(expected=expected, header=expected_header)
            raise _cell_error(file, 1, columns, expected, problem)
        if header[index] != expected:
            problem = HEADER_WRONG.format(
                found=header[index], expected=expected, header=expected_header
            )
            raise _cell_error(file, 1, columns, expected, problem)
    if len(header) > len(columns):
        problem = HEADER_LONG.format(found=header[len(columns)], header=expected_header)
        raise ImportFileError(
            AT_EXTRA_CELL.format(file=file, line=1, number=len(columns) + 1, problem=problem)
        )


def _check_length(file: str, line: int, values: list[str], columns: tuple[str, ...]) -> None:
    if not values:
        raise _line_error(file, line, EMPTY_LINE)
    if len(values) < len(columns):
        problem = ROW_SHORT.format(count=len(values), expected=len(columns))
        raise _cell_error(file, line, columns, columns[len(values)], problem)
    if len(values) > len(columns):
        problem = ROW_LONG.format(value=values[len(columns)], expected=len(columns))
        raise ImportFileError(
            AT_EXTRA_CELL.format(file=file, line=line, number=len(columns) + 1, problem=problem)
        )


def _read_rows(directory: Path, file: str, columns: tuple[str, ...]) -> list[_Row]:
    """The rows of `directory/file` after its header, each checked to have every column."""
    path = directory / file
    if not path.is_file():
        raise ImportFileError(FILE_MISSING.format(file=file, directory=directory))
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ImportFileError(FILE_UNREADABLE.format(file=file, reason=error.strerror)) from None
    reader = csv.reader(io.StringIO(_decode(file, raw), newline=""), strict=True)
    rows: list[_Row] = []
    # A quoted value may span lines, so a row starts on the line after the previous row ended.
    next_line = 1
    try:
        for values in reader:
            line, next_line = next_line, reader.line_num + 1
            if line == 1:
                _check_header(file, values, columns)
                continue
            _check_length(file, line, values, columns)
            rows.append(_Row(file=file, line=line, columns=columns, values=values))
    except csv.Error as error:
        raise _line_error(file, reader.line_num, NOT_CSV.format(reason=error)) from None
    if next_line == 1:
        raise ImportFileError(FILE_EMPTY.format(file=file, header=",".join(columns)))
    return rows


def _id(value: str) -> str:
    if not ID_PATTERN.fullmatch(value):
        raise _BadValue(NOT_AN_ID.format(value=value))
    return value


def _date(value: str) -> dt.date:
    try:
        if not DATE_PATTERN.fullmatch(value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise _BadValue(NOT_A_DATE.format(value=value)) from None
    if day > now().astimezone(organisation_zone()).date():
        raise _BadValue(IN_THE_FUTURE.format(value=value))
    return day


def _local_datetime(value: str) -> dt.datetime:
    """A naive date and time, read in the organisation's time zone."""
    try:
        if not DATETIME_PATTERN.fullmatch(value):
            raise ValueError(value)
        moment = dt.datetime.fromisoformat(value).replace(tzinfo=organisation_zone())
    except ValueError:
        raise _BadValue(NOT_A_DATETIME.format(value=value)) from None
    if moment > now():
        raise _BadValue(IN_THE_FUTURE.format(value=value))
    return moment


def _origin(value: str) -> str:
    if value and value not in ORIGIN_CHANNELS:
        raise _BadValue(NOT_AN_ORIGIN.format(value=value, choices=", ".join(ORIGIN_CHANNELS)))
    return value


def _number(value: str) -> Decimal | None:
    if not value:
        return None
    if not NUMBER_PATTERN.fullmatch(value):
        raise _BadValue(NOT_A_NUMBER.format(value=value))
    return Decimal(value)


def _amount(value: str) -> Decimal | None:
    number = _number(value)
    if number is None:
        return None
    if number != number.quantize(CENT):
        raise _BadValue(TOO_MANY_DECIMALS.format(value=value))
    if number > MAX_AMOUNT:
        raise _BadValue(TOO_LARGE.format(value=value, limit=MAX_AMOUNT))
    return number


def _flag(value: str) -> bool | None:
    if value not in FLAGS:
        raise _BadValue(NOT_A_FLAG.format(value=value))
    return FLAGS[value]


def _text(value: str) -> str:
    if len(value) > TEXT_LIMIT:
        raise _BadValue(TOO_LONG.format(value=value, limit=TEXT_LIMIT))
    return value


def _read_mqls(directory: Path) -> list[MqlRow]:
    mqls: list[MqlRow] = []
    lines: dict[str, int] = {}
    for row in _read_rows(directory, MQL_FILE, MQL_COLUMNS):
        mql_id = row.get("mql_id", _id)
        if mql_id in lines:
            raise row.error("mql_id", DUPLICATE.format(value=mql_id, line=lines[mql_id]))
        lines[mql_id] = row.line
        mqls.append(
            MqlRow(
                line=row.line,
                mql_id=mql_id,
                first_contact_on=row.get("first_contact_date", _date),
                landing_page_id=row.get("landing_page_id", _id),
                origin=row.get("origin", _origin),
            )
        )
    return mqls


def _read_deals(directory: Path, *, mql_ids: set[str]) -> list[DealRow]:
    deals: list[DealRow] = []
    mql_lines: dict[str, int] = {}
    seller_lines: dict[str, int] = {}
    for row in _read_rows(directory, DEALS_FILE, DEAL_COLUMNS):
        mql_id = row.get("mql_id", _id)
        if mql_id not in mql_ids:
            raise row.error("mql_id", UNKNOWN_MQL.format(value=mql_id))
        if mql_id in mql_lines:
            raise row.error("mql_id", DUPLICATE.format(value=mql_id, line=mql_lines[mql_id]))
        mql_lines[mql_id] = row.line
        seller_id = row.get("seller_id", _id)
        if seller_id in seller_lines:
            problem = DUPLICATE.format(value=seller_id, line=seller_lines[seller_id])
            raise row.error("seller_id", problem)
        seller_lines[seller_id] = row.line
        deals.append(
            DealRow(
                line=row.line,
                mql_id=mql_id,
                seller_id=seller_id,
                sdr_id=row.get("sdr_id", _id),
                sr_id=row.get("sr_id", _id),
                won_date=row.get("won_date", str),
                won_at=row.get("won_date", _local_datetime),
                business_segment=row.get("business_segment", _text),
                lead_type=row.get("lead_type", _text),
                lead_behaviour_profile=row.get("lead_behaviour_profile", _text),
                has_company=row.get("has_company", _flag),
                has_gtin=row.get("has_gtin", _flag),
                average_stock=row.get("average_stock", _text),
                business_type=row.get("business_type", _text),
                declared_product_catalog_size=row.get("declared_product_catalog_size", _number),
                declared_monthly_revenue=row.get("declared_monthly_revenue", _amount),
            )
        )
    return deals


def read_olist(*, directory: Path) -> OlistData:
    """Read and check both Olist files in `directory`; writes nothing.

    Raises ImportFileError for the first problem found, naming the file, line and column.
    """
    mqls = _read_mqls(directory)
    deals = _read_deals(directory, mql_ids={mql.mql_id for mql in mqls})
    return OlistData(mqls=mqls, deals=deals)


# Writing


def import_olist(*, directory: Path, progress: Progress | None = None) -> OlistImportResult:
    """Import the Olist funnel in `directory`, skipping what an earlier import brought in.

    Reads and checks both files before writing anything, then writes everything in one
    transaction. Raises ImportFileError, having written nothing, when a file is missing or
    malformed or a row cannot be imported. `progress(done, total, what)` is called every few
    hundred rows while writing.
    """
    data = read_olist(directory=directory)
    report = progress or no_progress
    result = OlistImportResult()
    with transaction.atomic():
        campaigns = _write_campaigns(data.mqls, result, report)
        companies = _write_companies(data.deals, result, report)
        leads = _write_leads(data, campaigns, companies, result, report)
        _write_deals(data, leads, companies, result, report)
    return result


def _tick(report: Progress, done: int, total: int, what: str) -> None:
    if done % PROGRESS_EVERY == 0 or done == total:
        report(what, done, total)


@contextmanager
def _row_being_written(file: str, line: int) -> Iterator[None]:
    """Turn a service's refusal into an error naming the row, which rolls the import back."""
    try:
        yield
    except ImportFileError:
        raise
    except DomainError as error:
        problem = WRITE_REFUSED.format(message=error.message)
        raise _line_error(file, line, problem) from error


def _utm_key(origin: str) -> str:
    return f"{SOURCE}-{origin.replace('_', '-')}"


def _write_campaigns(
    mqls: list[MqlRow], result: OlistImportResult, report: Progress
) -> dict[str, Campaign]:
    """One campaign per origin, spanning the first contacts of its leads."""
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    for mql in mqls:
        day = mql.first_contact_on
        first, last = spans.get(mql.source, (day, day))
        spans[mql.source] = (min(first, day), max(last, day))
    existing = {
        campaign.utm_key: campaign
        for campaign in Campaign.objects.filter(utm_key__in=[_utm_key(o) for o in spans])
    }
    campaigns: dict[str, Campaign] = {}
    for done, origin in enumerate(sorted(spans), start=1):
        campaign = existing.get(_utm_key(origin))
        if campaign is None:
            campaign = campaign_services.create_campaign(
                by=None,
                name=f"Olist — {origin.replace('_', ' ').capitalize()}",
                utm_key=_utm_key(origin),
                channel=ORIGIN_CHANNELS[origin],
                starts_on=spans[origin][0],
                ends_on=spans[origin][1],
            )
            result.campaigns_created += 1
        else:
            result.campaigns_skipped += 1
        campaigns[origin] = campaign
        _tick(report, done, len(spans), "campaigns")
    return campaigns


def _company_attributes(deal: DealRow) -> dict[str, Any]:
    """The seller's profile as declared to Olist's sales team, leaving out what is empty."""
    attributes: dict[str, Any] = {
        "lead_type": deal.lead_type,
        "lead_behaviour_profile": deal.lead_behaviour_profile,
        "has_company": deal.has_company,
        "has_gtin": deal.has_gtin,
        "average_stock": deal.average_stock,
        "declared_product_catalog_size": _json_number(deal.declared_product_catalog_size),
    }
    return {key: value for key, value in attributes.items() if value not in ("", None)}


def _json_number(number: Decimal | None) -> int | float | None:
    if number is None:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


def _write_companies(
    deals: list[DealRow], result: OlistImportResult, report: Progress
) -> dict[str, Company]:
    """One company per seller."""
    existing = {
        company.external_id: company for company in Company.objects.filter(import_source=SOURCE)
    }
    companies: dict[str, Company] = {}
    for done, deal in enumerate(deals, start=1):
        company = existing.get(deal.seller_id)
        if company is None:
            with _row_being_written(DEALS_FILE, deal.line):
                company = lead_services.create_company(
                    by=None,
                    name=f"Seller {deal.seller_id[:8]}",
                    segment=deal.business_segment,
                    industry=deal.business_type,
                    attributes=_company_attributes(deal),
                    import_source=SOURCE,
                    external_id=deal.seller_id,
                )
            result.companies_created += 1
        else:
            result.companies_skipped += 1
        companies[deal.seller_id] = company
        _tick(report, done, len(deals), "companies")
    return companies


def _write_leads(
    data: OlistData,
    campaigns: dict[str, Campaign],
    companies: dict[str, Company],
    result: OlistImportResult,
    report: Progress,
) -> dict[str, Lead]:
    """One lead per MQL, entering the lifecycle at MQL on the day of first contact."""
    existing = {lead.external_id: lead for lead in Lead.objects.filter(import_source=SOURCE)}
    seller_of = {deal.mql_id: deal.seller_id for deal in data.deals}
    leads: dict[str, Lead] = {}
    for done, mql in enumerate(data.mqls, start=1):
        lead = existing.get(mql.mql_id)
        if lead is None:
            seller_id = seller_of.get(mql.mql_id)
            campaign = campaigns[mql.source]
            with _row_being_written(MQL_FILE, mql.line):
                lead = lead_services.create_lead(
                    by=None,
                    stage=Stage.MQL,
                    at=start_of_day(mql.first_contact_on),
                    actor_label=ACTOR_LABEL,
                    reason=LEAD_REASON,
                    import_source=SOURCE,
                    external_id=mql.mql_id,
                    source=mql.source,
                    landing_page=mql.landing_page_id,
                    first_touch_campaign_id=campaign.pk,
                    last_touch_campaign_id=campaign.pk,
                    company_id=companies[seller_id].pk if seller_id is not None else None,
                    attributes={"origin": mql.origin},
                )
            result.leads_created += 1
        else:
            result.leads_skipped += 1
        leads[mql.mql_id] = lead
        _tick(report, done, len(data.mqls), "leads")
    return leads


def _write_deals(
    data: OlistData,
    leads: dict[str, Lead],
    companies: dict[str, Company],
    result: OlistImportResult,
    report: Progress,
) -> None:
    """For each closed deal: the lead becomes a customer on the won date, and a won deal."""
    existing = set(Deal.objects.filter(import_source=SOURCE).values_list("external_id", flat=True))
    first_contact = {mql.mql_id: mql.first_contact_on for mql in data.mqls}
    for done, deal in enumerate(data.deals, start=1):
        lead = leads[deal.mql_id]
        with _row_being_written(DEALS_FILE, deal.line):
            if lead.company_id is None:
                lead_services.update_lead(
                    lead=lead, by=None, changes={"company_id": companies[deal.seller_id].pk}
                )
            if deal.mql_id in existing:
                result.deals_skipped += 1
            else:
                _win_deal(deal, lead, first_contact[deal.mql_id], result)
                result.deals_created += 1
        _tick(report, done, len(data.deals), "deals")


def _win_deal(
    deal: DealRow, lead: Lead, first_contact_on: dt.date, result: OlistImportResult
) -> None:
    # - The lifecycle refuses a change dated before the lead's last one, and one won date
    #   in the data set precedes its first contact: that move is recorded at first contact,
    #   and the reason says so.
    # - The deal keeps the real won date as closed_on; as it cannot close before it opened,
    #   it opens on the won date too, with a note.
    won_on = deal.won_at.date()
    is_won_before_contact = won_on < first_contact_on
    if lead.stage != Stage.CUSTOMER:
        at, reason = deal.won_at, WON_REASON
        if is_won_before_contact:
            at = start_of_day(first_contact_on)
            reason = WON_EARLY_REASON.format(won_date=deal.won_date, first_contact=first_contact_on)
        lifecycle.change_stage(
            lead=lead,
            to_stage=Stage.CUSTOMER,
            by=None,
            at=at,
            actor_label=ACTOR_LABEL,
            reason=reason,
        )
        result.customers_made += 1
    attributes: dict[str, Any] = {
        "sdr_id": deal.sdr_id,
        "sr_id": deal.sr_id,
        "won_date": deal.won_date,
        "declared_product_catalog_size": _json_number(deal.declared_product_catalog_size),
        "declared_monthly_revenue": _json_number(deal.declared_monthly_revenue),
    }
    if is_won_before_contact:
        attributes["note"] = OPENED_AT_WIN_NOTE.format(
            won_date=deal.won_date, first_contact=first_contact_on
        )
    lead_services.create_deal(
        lead=lead,
        by=None,
        name=f"Olist seller {deal.seller_id[:8]}",
        amount=deal.declared_monthly_revenue or Decimal(0),
        currency=CURRENCY,
        stage=DealStage.WON,
        opened_on=won_on if is_won_before_contact else first_contact_on,
        closed_on=won_on,
        attributes=attributes,
        import_source=SOURCE,
        external_id=deal.mql_id,
    )
