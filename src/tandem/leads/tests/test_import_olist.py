import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tandem.campaigns.models import Campaign
from tandem.core.testing import make_lead
from tandem.leads import lifecycle
from tandem.leads.imports.olist import ImportFileError, import_olist
from tandem.leads.models import Company, Deal, FunnelMonth, Lead, StageChange, StageReach

MQL_FILE = "olist_marketing_qualified_leads_dataset.csv"
DEALS_FILE = "olist_closed_deals_dataset.csv"
MQL_HEADER = "mql_id,first_contact_date,landing_page_id,origin"
DEAL_HEADER = (
    "mql_id,seller_id,sdr_id,sr_id,won_date,business_segment,lead_type,lead_behaviour_profile,"
    "has_company,has_gtin,average_stock,business_type,declared_product_catalog_size,"
    "declared_monthly_revenue"
)
MQL_A = "a" * 32
MQL_B = "b" * 32
MQL_C = "c" * 32
MQL_D = "d" * 32
SELLER_1 = "51" + "0" * 30
SELLER_2 = "52" + "0" * 30
SDR = "e" * 32
SR = "f" * 32
PAGE = "0123456789abcdef" * 2
MQLS = [
    f"{MQL_A},2018-01-10,{PAGE},paid_search",
    f"{MQL_B},2018-03-08,{PAGE},",
    f"{MQL_C},2018-02-01,{PAGE},paid_search",
    f"{MQL_D},2018-02-15,{PAGE},unknown",
]
DEALS = [
    f"{MQL_A},{SELLER_1},{SDR},{SR},2018-02-26 19:58:54,pet,online_medium,"
    '"cat, wolf",True,False,5-20,reseller,100.0,25000.5',
    # Won two days before the first contact.
    f"{MQL_B},{SELLER_2},{SDR},{SR},2018-03-06 19:38:55,home_decor,industry,,,,,,,",
]
MODELS = (Campaign, Company, Lead, StageChange, StageReach, FunnelMonth, Deal)
FIRST_RUN = (
    "Created 4 leads, 2 deals, 2 companies and 2 campaigns; moved 2 leads to customer; "
    "skipped 0 already imported (0 leads, 0 deals, 0 companies, 0 campaigns)."
)
SECOND_RUN = (
    "Created 0 leads, 0 deals, 0 companies and 0 campaigns; moved 0 leads to customer; "
    "skipped 10 already imported (4 leads, 2 deals, 2 companies, 2 campaigns)."
)
UTC = dt.UTC


def write_files(
    directory: Path,
    *,
    mql_lines: list[str] | None = None,
    deal_lines: list[str] | None = None,
) -> Path:
    mql_lines = [MQL_HEADER, *MQLS] if mql_lines is None else mql_lines
    deal_lines = [DEAL_HEADER, *DEALS] if deal_lines is None else deal_lines
    (directory / MQL_FILE).write_text("".join(f"{line}\n" for line in mql_lines), "utf-8")
    (directory / DEALS_FILE).write_text("".join(f"{line}\n" for line in deal_lines), "utf-8")
    return directory


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


NOTHING = dict.fromkeys((model.__name__ for model in MODELS), 0)


@pytest.mark.django_db
def test_import_creates_campaigns_per_origin(tmp_path: Path) -> None:
    write_files(tmp_path)

    import_olist(directory=tmp_path)

    assert list(
        Campaign.objects.order_by("utm_key").values_list(
            "utm_key", "name", "channel", "starts_on", "ends_on", "owner_id"
        )
    ) == [
        (
            "olist-paid-search",
            "Olist — Paid search",
            "paid_search",
            dt.date(2018, 1, 10),
            dt.date(2018, 2, 1),
            None,
        ),
        (
            "olist-unknown",
            "Olist — Unknown",
            "unknown",
            dt.date(2018, 2, 15),
            dt.date(2018, 3, 8),
            None,
        ),
    ]


@pytest.mark.django_db
def test_import_creates_a_lead_per_mql(tmp_path: Path) -> None:
    write_files(tmp_path)

    import_olist(directory=tmp_path)

    assert list(
        Lead.objects.order_by("id").values_list(
            "import_source",
            "external_id",
            "source",
            "landing_page",
            "first_touch_campaign__utm_key",
            "last_touch_campaign__utm_key",
            "company__external_id",
            "owner_id",
            "stage",
            "stage_changed_at",
            "attributes",
        )
    ) == [
        (
            "olist",
            MQL_A,
            "paid_search",
            PAGE,
            "olist-paid-search",
            "olist-paid-search",
            SELLER_1,
            None,
            "customer",
            dt.datetime(2018, 2, 26, 19, 58, 54, tzinfo=UTC),
            {"origin": "paid_search"},
        ),
        (
            "olist",
            MQL_B,
            "unknown",
            PAGE,
            "olist-unknown",
            "olist-unknown",
            SELLER_2,
            None,
            "customer",
            dt.datetime(2018, 3, 8, tzinfo=UTC),
            {"origin": ""},
        ),
        (
            "olist",
            MQL_C,
            "paid_search",
            PAGE,
            "olist-paid-search",
            "olist-paid-search",
            None,
            None,
            "mql",
            dt.datetime(2018, 2, 1, tzinfo=UTC),
            {"origin": "paid_search"},
        ),
        (
            "olist",
            MQL_D,
            "unknown",
            PAGE,
            "olist-unknown",
            "olist-unknown",
            None,
            None,
            "mql",
            dt.datetime(2018, 2, 15, tzinfo=UTC),
            {"origin": "unknown"},
        ),
    ]


@pytest.mark.django_db
def test_import_records_every_stage_change_in_the_ledger(tmp_path: Path) -> None:
    write_files(tmp_path)

    import_olist(directory=tmp_path)

    assert list(
        StageChange.objects.order_by("id").values_list(
            "lead__external_id", "from_stage", "to_stage", "at", "actor_id", "actor_label", "reason"
        )
    ) == [
        (
            MQL_A,
            "",
            "mql",
            dt.datetime(2018, 1, 10, tzinfo=UTC),
            None,
            "import:olist",
            "Olist: first contact",
        ),
        (
            MQL_B,
            "",
            "mql",
            dt.datetime(2018, 3, 8, tzinfo=UTC),
            None,
            "import:olist",
            "Olist: first contact",
        ),
        (
            MQL_C,
            "",
            "mql",
            dt.datetime(2018, 2, 1, tzinfo=UTC),
            None,
            "import:olist",
            "Olist: first contact",
        ),
        (
            MQL_D,
            "",
            "mql",
            dt.datetime(2018, 2, 15, tzinfo=UTC),
            None,
            "import:olist",
            "Olist: first contact",
        ),
        (
            MQL_A,
            "mql",
            "customer",
            dt.datetime(2018, 2, 26, 19, 58, 54, tzinfo=UTC),
            None,
            "import:olist",
            "Olist: deal won",
        ),
        # Won before the first contact: recorded at first contact, since the ledger runs forward.
        (
            MQL_B,
            "mql",
            "customer",
            dt.datetime(2018, 3, 8, tzinfo=UTC),
            None,
            "import:olist",
            "Olist: deal won (won date 2018-03-06 19:38:55 precedes first contact on 2018-03-08; "
            "recorded at first contact)",
        ),
    ]


@pytest.mark.django_db
def test_import_creates_a_company_per_seller(tmp_path: Path) -> None:
    write_files(tmp_path)

    import_olist(directory=tmp_path)

    assert list(
        Company.objects.order_by("id").values_list(
            "import_source", "external_id", "name", "segment", "industry", "domain", "attributes"
        )
    ) == [
        (
            "olist",
            SELLER_1,
            "Seller 51000000",
            "pet",
            "reseller",
            "",
            {
                "lead_type": "online_medium",
                "lead_behaviour_profile": "cat, wolf",
                "has_company": True,
                "has_gtin": False,
                "average_stock": "5-20",
                "declared_product_catalog_size": 100,
            },
        ),
        ("olist", SELLER_2, "Seller 52000000", "home_decor", "", "", {"lead_type": "industry"}),
    ]


@pytest.mark.django_db
def test_import_creates_a_won_deal_per_closed_deal(tmp_path: Path) -> None:
    write_files(tmp_path)

    import_olist(directory=tmp_path)

    assert list(
        Deal.objects.order_by("id").values_list(
            "import_source",
            "external_id",
            "lead__external_id",
            "company__external_id",
            "name",
            "amount",
            "currency",
            "stage",
            "opened_on",
            "closed_on",
            "owner_id",
            "attributes",
        )
    ) == [
        (
            "olist",
            MQL_A,
            MQL_A,
            SELLER_1,
            "Olist seller 51000000",
            Decimal("25000.50"),
            "BRL",
            "won",
            dt.date(2018, 1, 10),
            dt.date(2018, 2, 26),
            None,
            {
                "sdr_id": SDR,
                "sr_id": SR,
                "won_date": "2018-02-26 19:58:54",
                "declared_product_catalog_size": 100,
                "declared_monthly_revenue": 25000.5,
            },
        ),
        (
            "olist",
            MQL_B,
            MQL_B,
            SELLER_2,
            "Olist seller 52000000",
            Decimal("0.00"),
            "BRL",
            "won",
            dt.date(2018, 3, 6),
            dt.date(2018, 3, 6),
            None,
            {
                "sdr_id": SDR,
                "sr_id": SR,
                "won_date": "2018-03-06 19:38:55",
                "declared_product_catalog_size": None,
                "declared_monthly_revenue": None,
                "note": "won date 2018-03-06 19:38:55 precedes first contact on 2018-03-08; "
                "opened_on set to the won date",
            },
        ),
    ]


@pytest.mark.django_db
def test_import_reports_what_it_created(tmp_path: Path) -> None:
    write_files(tmp_path)
    progress: list[tuple[str, int, int]] = []

    result = import_olist(directory=tmp_path, progress=lambda *step: progress.append(step))

    assert result.summary() == FIRST_RUN
    assert progress == [("campaigns", 2, 2), ("companies", 2, 2), ("leads", 4, 4), ("deals", 2, 2)]


@pytest.mark.django_db
def test_file_times_are_read_in_the_organisations_time_zone(tmp_path: Path, settings) -> None:
    settings.TIME_ZONE = "America/Sao_Paulo"
    write_files(tmp_path)

    import_olist(directory=tmp_path)

    lead = Lead.objects.get(external_id=MQL_A)
    assert list(lead.stage_changes.order_by("id").values_list("at", "month")) == [
        # Summer time: three hours behind UTC in January, two in late February.
        (dt.datetime(2018, 1, 10, 2, tzinfo=UTC), dt.date(2018, 1, 1)),
        (dt.datetime(2018, 2, 26, 22, 58, 54, tzinfo=UTC), dt.date(2018, 2, 1)),
    ]


@pytest.mark.django_db
def test_second_import_changes_nothing(tmp_path: Path) -> None:
    write_files(tmp_path)
    import_olist(directory=tmp_path)
    before = snapshot()

    result = import_olist(directory=tmp_path)

    assert result.summary() == SECOND_RUN
    assert snapshot() == before


@pytest.mark.django_db
def test_second_import_finds_what_exists_in_a_fixed_number_of_queries(
    tmp_path: Path, django_assert_num_queries
) -> None:
    write_files(tmp_path)
    import_olist(directory=tmp_path)

    # One read each of campaigns, companies, leads and deals, inside one savepoint.
    with django_assert_num_queries(6):
        import_olist(directory=tmp_path)


@pytest.mark.django_db
def test_deals_added_to_the_file_later_are_imported_for_existing_leads(tmp_path: Path) -> None:
    write_files(tmp_path, deal_lines=[DEAL_HEADER])
    import_olist(directory=tmp_path)
    write_files(tmp_path)

    result = import_olist(directory=tmp_path)

    assert result.summary() == (
        "Created 0 leads, 2 deals, 2 companies and 0 campaigns; moved 2 leads to customer; "
        "skipped 6 already imported (4 leads, 0 deals, 0 companies, 2 campaigns)."
    )
    assert list(
        Lead.objects.order_by("id").values_list("external_id", "stage", "company__external_id")
    ) == [
        (MQL_A, "customer", SELLER_1),
        (MQL_B, "customer", SELLER_2),
        (MQL_C, "mql", None),
        (MQL_D, "mql", None),
    ]
    assert StageChange.objects.count() == 6
    assert list(Deal.objects.order_by("id").values_list("external_id", "company__external_id")) == [
        (MQL_A, SELLER_1),
        (MQL_B, SELLER_2),
    ]


@pytest.mark.django_db
def test_lead_that_is_already_a_customer_is_not_moved_again(tmp_path: Path) -> None:
    write_files(tmp_path)
    customer = make_lead(
        stage="customer",
        at=dt.datetime(2018, 1, 20, tzinfo=UTC),
        import_source="olist",
        external_id=MQL_A,
    )

    result = import_olist(directory=tmp_path)

    assert result.customers_made == 1
    assert list(
        StageChange.objects.filter(lead=customer).values_list("from_stage", "to_stage")
    ) == [("", "customer")]
    assert Deal.objects.filter(lead=customer).count() == 1


@pytest.mark.django_db
def test_row_the_lifecycle_refuses_rolls_back_the_whole_import(tmp_path: Path) -> None:
    write_files(tmp_path)
    lead = make_lead(stage="mql", import_source="olist", external_id=MQL_A)
    lifecycle.change_stage(lead=lead, to_stage="disqualified", by=None, reason="Not a seller")
    before = snapshot()

    with pytest.raises(ImportFileError) as error:
        import_olist(directory=tmp_path)

    assert error.value.message == (
        "olist_closed_deals_dataset.csv line 2: cannot be imported: "
        "A lead cannot move from Disqualified to Customer."
    )
    assert snapshot() == before


# Each case replaces one line of a good file: (file, line number, new text, message).
MALFORMED = [
    pytest.param(
        MQL_FILE,
        1,
        "mql_id,first_contact,landing_page_id,origin",
        "olist_marketing_qualified_leads_dataset.csv line 1, column 2 (first_contact_date): "
        "the header says 'first_contact' where 'first_contact_date' belongs; "
        "the header must be mql_id,first_contact_date,landing_page_id,origin.",
        id="wrong header",
    ),
    pytest.param(
        MQL_FILE,
        1,
        "mql_id,first_contact_date,landing_page_id",
        "olist_marketing_qualified_leads_dataset.csv line 1, column 4 (origin): "
        "the header ends where 'origin' belongs; "
        "the header must be mql_id,first_contact_date,landing_page_id,origin.",
        id="header too short",
    ),
    pytest.param(
        MQL_FILE,
        1,
        "mql_id,first_contact_date,landing_page_id,origin,notes",
        "olist_marketing_qualified_leads_dataset.csv line 1, column 5: "
        "the header has an extra column 'notes'; "
        "the header must be mql_id,first_contact_date,landing_page_id,origin.",
        id="header too long",
    ),
    pytest.param(
        MQL_FILE,
        3,
        f"{MQL_B},2018-02-30,{PAGE},",
        "olist_marketing_qualified_leads_dataset.csv line 3, column 2 (first_contact_date): "
        "'2018-02-30' is not a date (YYYY-MM-DD).",
        id="impossible date",
    ),
    pytest.param(
        MQL_FILE,
        3,
        f"{MQL_B},08/03/2018,{PAGE},",
        "olist_marketing_qualified_leads_dataset.csv line 3, column 2 (first_contact_date): "
        "'08/03/2018' is not a date (YYYY-MM-DD).",
        id="date in another format",
    ),
    pytest.param(
        MQL_FILE,
        3,
        f"{MQL_B},2999-01-01,{PAGE},",
        "olist_marketing_qualified_leads_dataset.csv line 3, column 2 (first_contact_date): "
        "'2999-01-01' is in the future.",
        id="date in the future",
    ),
    pytest.param(
        MQL_FILE,
        4,
        f"{MQL_C[:31]},2018-02-01,{PAGE},paid_search",
        "olist_marketing_qualified_leads_dataset.csv line 4, column 1 (mql_id): "
        "'ccccccccccccccccccccccccccccccc' is not an id of 32 hexadecimal digits (0-9, a-f).",
        id="short id",
    ),
    pytest.param(
        MQL_FILE,
        4,
        f"{MQL_C},2018-02-01,{PAGE.upper()},paid_search",
        "olist_marketing_qualified_leads_dataset.csv line 4, column 3 (landing_page_id): "
        "'0123456789ABCDEF0123456789ABCDEF' is not an id of 32 hexadecimal digits (0-9, a-f).",
        id="upper-case id",
    ),
    pytest.param(
        MQL_FILE,
        4,
        f"{MQL_C},2018-02-01,{PAGE},billboard",
        "olist_marketing_qualified_leads_dataset.csv line 4, column 4 (origin): "
        "'billboard' is not an Olist origin; expected one of paid_search, organic_search, "
        "social, email, display, referral, direct_traffic, other, other_publicities, unknown, "
        "or empty.",
        id="unknown origin",
    ),
    pytest.param(
        MQL_FILE,
        4,
        f"{MQL_A},2018-02-01,{PAGE},paid_search",
        "olist_marketing_qualified_leads_dataset.csv line 4, column 1 (mql_id): "
        f"'{MQL_A}' is already on line 2.",
        id="duplicate mql_id",
    ),
    pytest.param(
        MQL_FILE,
        3,
        f"{MQL_B},2018-03-08,{PAGE}",
        "olist_marketing_qualified_leads_dataset.csv line 3, column 4 (origin): "
        "missing; the row has 3 columns where the header has 4.",
        id="too few columns",
    ),
    pytest.param(
        MQL_FILE,
        3,
        f"{MQL_B},2018-03-08,{PAGE},,extra",
        "olist_marketing_qualified_leads_dataset.csv line 3, column 5: "
        "unexpected extra value 'extra'; the header has 4 columns.",
        id="too many columns",
    ),
    pytest.param(
        MQL_FILE,
        3,
        "",
        "olist_marketing_qualified_leads_dataset.csv line 3: "
        "is empty; every line after the header must be a row.",
        id="empty line",
    ),
    pytest.param(
        MQL_FILE,
        3,
        f'{MQL_B},2018-03-08,"{PAGE}"x,',
        "olist_marketing_qualified_leads_dataset.csv line 3: "
        "is not valid CSV (',' expected after '\"').",
        id="broken quoting",
    ),
    pytest.param(
        DEALS_FILE,
        1,
        DEAL_HEADER.replace(",sr_id", ""),
        "olist_closed_deals_dataset.csv line 1, column 4 (sr_id): the header says 'won_date' "
        "where 'sr_id' belongs; the header must be "
        "mql_id,seller_id,sdr_id,sr_id,won_date,business_segment,lead_type,"
        "lead_behaviour_profile,has_company,has_gtin,average_stock,business_type,"
        "declared_product_catalog_size,declared_monthly_revenue.",
        id="deals header without a column",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_B},{SELLER_2},{SDR},{SR},2018-02-30 10:00:00,home_decor,industry,,,,,,,",
        "olist_closed_deals_dataset.csv line 3, column 5 (won_date): "
        "'2018-02-30 10:00:00' is not a date and time (YYYY-MM-DD HH:MM:SS).",
        id="impossible won date",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_B},{SELLER_2},{SDR},{SR},2018-03-06,home_decor,industry,,,,,,,",
        "olist_closed_deals_dataset.csv line 3, column 5 (won_date): "
        "'2018-03-06' is not a date and time (YYYY-MM-DD HH:MM:SS).",
        id="won date without a time",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_B},{SELLER_2},{SDR},{SR},2018-03-06 19:38:55,home_decor,industry,,,,,,,-5",
        "olist_closed_deals_dataset.csv line 3, column 14 (declared_monthly_revenue): "
        "'-5' is not a non-negative number (or empty).",
        id="negative revenue",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_B},{SELLER_2},{SDR},{SR},2018-03-06 19:38:55,home_decor,industry,,,,,,,lots",
        "olist_closed_deals_dataset.csv line 3, column 14 (declared_monthly_revenue): "
        "'lots' is not a non-negative number (or empty).",
        id="revenue not a number",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_B},{SELLER_2},{SDR},{SR},2018-03-06 19:38:55,home_decor,industry,,,,,,,10.005",
        "olist_closed_deals_dataset.csv line 3, column 14 (declared_monthly_revenue): "
        "'10.005' has more than two decimal places.",
        id="revenue below a cent",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_B},{SELLER_2},{SDR},{SR},2018-03-06 19:38:55,home_decor,industry,,,,,,1e3,",
        "olist_closed_deals_dataset.csv line 3, column 13 (declared_product_catalog_size): "
        "'1e3' is not a non-negative number (or empty).",
        id="catalog size not a plain number",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_B},{SELLER_2},{SDR},{SR},2018-03-06 19:38:55,home_decor,industry,,yes,,,,,",
        "olist_closed_deals_dataset.csv line 3, column 9 (has_company): "
        "'yes' is not True, False or empty.",
        id="flag not True or False",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_B},{SELLER_2},{SDR},{SR},2018-03-06 19:38:55,{'x' * 101},industry,,,,,,,",
        "olist_closed_deals_dataset.csv line 3, column 6 (business_segment): "
        f"'{'x' * 101}' is longer than 100 characters.",
        id="text too long",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{'9' * 32},{SELLER_2},{SDR},{SR},2018-03-06 19:38:55,home_decor,industry,,,,,,,",
        "olist_closed_deals_dataset.csv line 3, column 1 (mql_id): "
        f"'{'9' * 32}' is not an mql_id in olist_marketing_qualified_leads_dataset.csv.",
        id="unknown mql_id",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_A},{SELLER_2},{SDR},{SR},2018-03-06 19:38:55,home_decor,industry,,,,,,,",
        f"olist_closed_deals_dataset.csv line 3, column 1 (mql_id): '{MQL_A}' is already on "
        "line 2.",
        id="duplicate mql_id in deals",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_B},{SELLER_1},{SDR},{SR},2018-03-06 19:38:55,home_decor,industry,,,,,,,",
        f"olist_closed_deals_dataset.csv line 3, column 2 (seller_id): '{SELLER_1}' is already "
        "on line 2.",
        id="duplicate seller_id",
    ),
    pytest.param(
        DEALS_FILE,
        3,
        f"{MQL_B},{SELLER_2},{SDR},{SR},2018-03-06 19:38:55,home_decor",
        "olist_closed_deals_dataset.csv line 3, column 7 (lead_type): "
        "missing; the row has 6 columns where the header has 14.",
        id="deal with too few columns",
    ),
]


@pytest.mark.parametrize(("file", "line", "text", "message"), MALFORMED)
@pytest.mark.django_db
def test_malformed_file_is_rejected_and_nothing_is_written(
    tmp_path: Path, file: str, line: int, text: str, message: str
) -> None:
    write_files(tmp_path)
    path = tmp_path / file
    lines = path.read_text("utf-8").splitlines()
    lines[line - 1] = text
    path.write_text("".join(f"{each}\n" for each in lines), "utf-8")

    with pytest.raises(ImportFileError) as error:
        import_olist(directory=tmp_path)

    assert error.value.message == message
    assert row_counts() == NOTHING


@pytest.mark.parametrize("file", [MQL_FILE, DEALS_FILE])
@pytest.mark.django_db
def test_missing_file_is_rejected_and_nothing_is_written(tmp_path: Path, file: str) -> None:
    write_files(tmp_path)
    (tmp_path / file).unlink()

    with pytest.raises(ImportFileError) as error:
        import_olist(directory=tmp_path)

    assert error.value.message == f"{file} is missing from {tmp_path}."
    assert row_counts() == NOTHING


@pytest.mark.django_db
def test_empty_file_is_rejected(tmp_path: Path) -> None:
    write_files(tmp_path, deal_lines=[])

    with pytest.raises(ImportFileError) as error:
        import_olist(directory=tmp_path)

    assert error.value.message == (
        f"olist_closed_deals_dataset.csv is empty; its first line must be the header {DEAL_HEADER}."
    )
    assert row_counts() == NOTHING


@pytest.mark.django_db
def test_file_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    write_files(tmp_path)
    (tmp_path / MQL_FILE).write_bytes(
        f"{MQL_HEADER}\n{MQLS[0]}\n{MQLS[1]}\n".encode() + "São Paulo\n".encode("latin-1")
    )

    with pytest.raises(ImportFileError) as error:
        import_olist(directory=tmp_path)

    assert error.value.message == (
        "olist_marketing_qualified_leads_dataset.csv line 4: is not UTF-8 text."
    )
    assert row_counts() == NOTHING


@pytest.mark.django_db
def test_line_numbers_count_the_lines_inside_quoted_values(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        deal_lines=[
            DEAL_HEADER,
            DEALS[0].replace('"cat, wolf"', '"cat,\nwolf"'),
            f"{MQL_B},{SELLER_2},{SDR},{SR},2018-03-06 25:00:00,home_decor,industry,,,,,,,",
        ],
    )

    with pytest.raises(ImportFileError) as error:
        import_olist(directory=tmp_path)

    assert error.value.message == (
        "olist_closed_deals_dataset.csv line 4, column 5 (won_date): "
        "'2018-03-06 25:00:00' is not a date and time (YYYY-MM-DD HH:MM:SS)."
    )


@pytest.mark.django_db
def test_command_imports_and_reports_progress(tmp_path: Path) -> None:
    write_files(tmp_path)
    out, err = io.StringIO(), io.StringIO()

    call_command("import", "olist", str(tmp_path), stdout=out, stderr=err)

    assert out.getvalue().startswith(f"{FIRST_RUN} Took ")
    assert err.getvalue() == (
        "campaigns 2/2 (100%)\ncompanies 2/2 (100%)\nleads 4/4 (100%)\ndeals 2/2 (100%)\n"
    )
    assert row_counts() == {
        "Campaign": 2,
        "Company": 2,
        "Lead": 4,
        "StageChange": 6,
        "StageReach": 12,
        "FunnelMonth": 11,
        "Deal": 2,
    }


@pytest.mark.django_db
def test_command_at_verbosity_zero_reports_no_progress(tmp_path: Path) -> None:
    write_files(tmp_path)
    err = io.StringIO()

    call_command("import", "olist", str(tmp_path), verbosity=0, stdout=io.StringIO(), stderr=err)

    assert err.getvalue() == ""
    assert Lead.objects.count() == 4


@pytest.mark.django_db
def test_command_turns_a_malformed_file_into_a_command_error(tmp_path: Path) -> None:
    write_files(tmp_path)
    (tmp_path / DEALS_FILE).unlink()

    with pytest.raises(CommandError) as error:
        call_command("import", "olist", str(tmp_path), stdout=io.StringIO())

    assert str(error.value) == f"olist_closed_deals_dataset.csv is missing from {tmp_path}."
    assert error.value.returncode == 1
    assert row_counts() == NOTHING


def test_command_refuses_an_unknown_kind() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'hubspot'"):
        call_command("import", "hubspot", "somewhere")
