"""Report snapshots as PDF files, drawn with fpdf2 (pure Python: no system libraries).

The file is made from the stored snapshot alone, and its creation date is the snapshot's, so the
same snapshot always gives the same bytes.
"""

from django.contrib.auth.models import User
from fpdf import FPDF  # type: ignore[import-untyped]  # fpdf2 has no py.typed marker
from fpdf.fonts import FontFace  # type: ignore[import-untyped]

from tandem.core.time import organisation_zone
from tandem.reports.models import ReportSnapshot
from tandem.reports.snapshot_queries import changes, describe_period

FONT = "Helvetica"
# The PDF core fonts know Latin-1 only; the few typographic signs reports use have plain forms.
PLAIN_FORMS = str.maketrans({"−": "-", "–": "-", "—": "-", "’": "'", "…": "..."})  # noqa: RUF001


def _plain(text: str) -> str:
    return text.translate(PLAIN_FORMS).encode("latin-1", "replace").decode("latin-1")


def _person(user: User | None) -> str:
    if user is None:
        return "the worker, on schedule"
    return user.get_full_name() or user.username


def snapshot_pdf(snapshot: ReportSnapshot) -> bytes:
    """One A4 page (more for a long template): the period, who asked and when, the hash, and per
    KPI its value, the previous snapshot's and the change."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(snapshot.generated_at)
    pdf.set_title(_plain(f"Report snapshot: {describe_period(snapshot)}"))
    pdf.set_author("Tandem")
    pdf.add_page()
    pdf.set_font(FONT, style="B", size=16)
    pdf.cell(
        text=_plain(f"Report snapshot: {describe_period(snapshot)}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(FONT, size=10)
    generated = snapshot.generated_at.astimezone(organisation_zone())
    facts = [
        f"Period: {snapshot.first_day:%d %b %Y} to {snapshot.last_day:%d %b %Y}",
        f"Kind: {snapshot.get_kind_display()}, asked for by {_person(snapshot.requested_by)}",
        f"Taken: {generated:%d %b %Y %H:%M} ({generated.tzname()})",
        f"SHA-256: {snapshot.content_hash}",
    ]
    if snapshot.previous is not None:
        previous_at = snapshot.previous.generated_at.astimezone(organisation_zone())
        previous = describe_period(snapshot.previous)
        facts.append(f"Compared with: {previous}, taken {previous_at:%d %b %Y %H:%M}")
    else:
        facts.append("Compared with: no earlier snapshot")
    pdf.ln(2)
    for fact in facts:
        pdf.cell(text=_plain(fact), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(
        col_widths=(90, 35, 35, 30),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD"),
        line_height=6,
    ) as table:
        table.row(["KPI", "Value", "Previous", "Change"])
        for change in changes(snapshot):
            table.row(
                [
                    _plain(change.label),
                    _plain(change.current_text),
                    _plain(change.previous_text),
                    _plain(change.difference_text),
                ]
            )
    return bytes(pdf.output())
