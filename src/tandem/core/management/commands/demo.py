"""`tandem demo`: a working Tandem with a realistic funnel, one login per role, served locally.

It migrates the database, fills it (a generated B2B funnel, or Olist's real data with
`--olist DIR`) unless it already holds leads, makes sure the demo people exist, prints their
logins and serves the site like `tandem serve`.
"""

import os
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tandem.core.demo.agreement import write_agreement
from tandem.core.demo.handoff import write_briefs, write_handoff_history
from tandem.core.demo.nurture import write_nurture
from tandem.core.demo.plan import DEFAULT_SEED, make_plan
from tandem.core.demo.planning import write_plan
from tandem.core.demo.records import PEOPLE, TEAMS
from tandem.core.demo.routing import route_waiting_mqls, write_rules
from tandem.core.demo.tracking import DemoTracking, write_tracking
from tandem.core.demo.write_bulk import write_bulk
from tandem.core.demo.write_services import Written, write_people, write_with_services
from tandem.core.management.commands.serve import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    DEFAULT_WORKERS,
    bind_address,
    serve,
)
from tandem.core.roles import Role
from tandem.core.time import now
from tandem.leads.models import Lead
from tandem.reports.snapshot_services import take_scheduled_snapshots

# A local demo: the password is fixed and printed, so anyone at the machine can log in.
DEMO_PASSWORD = "tandem-demo"  # noqa: S105
DEFAULT_LEADS = 2_000
# Above this many leads the services would take too long; the bulk writer gives the same rows.
BULK_ABOVE = 20_000
MAX_LEADS = 1_000_000


class Command(BaseCommand):
    help = (
        "Migrate, fill the database with a realistic demo funnel (or Olist's data), print a "
        "login for each role and serve the site on http://127.0.0.1:8000."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--leads",
            type=int,
            default=DEFAULT_LEADS,
            help=(
                f"How many leads to generate (default {DEFAULT_LEADS:,}; up to {MAX_LEADS:,}; "
                f"above {BULK_ABOVE:,} they are written with bulk inserts)."
            ),
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Seed of the generator.")
        parser.add_argument(
            "--olist",
            type=Path,
            metavar="DIR",
            help="Import Olist's marketing funnel from DIR instead of generating data.",
        )
        parser.add_argument(
            "--reset", action="store_true", help="Empty the database first and fill it again."
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare the data and logins, then stop."
        )
        parser.add_argument("--host", default=DEFAULT_HOST, help="Address to serve on.")
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="Port to serve on.")

    def handle(self, *args: Any, **options: Any) -> None:
        leads: int = options["leads"]
        if not 1 <= leads <= MAX_LEADS:
            raise CommandError(f"--leads must be between 1 and {MAX_LEADS:,}.")
        self._say("Migrating the database...")
        call_command("migrate", interactive=False, verbosity=0)
        if options["reset"]:
            self._say("Emptying the database (--reset)...")
            call_command("flush", interactive=False, verbosity=0)
        existing = Lead.objects.count()
        if existing:
            self._say(
                f"The database already holds {existing:,} leads: using them "
                "(--reset empties it and starts again)."
            )
            people = write_people(TEAMS, PEOPLE, password=DEMO_PASSWORD)
        elif options["olist"] is not None:
            people = write_people(TEAMS, PEOPLE, password=DEMO_PASSWORD)
            call_command("import", "olist", str(options["olist"]))
        else:
            self._generate(leads=leads, seed=options["seed"])
            people = write_people(TEAMS, PEOPLE, password=DEMO_PASSWORD)
        self._sign_agreement(people)
        write_rules()
        answered = write_handoff_history(seed=options["seed"])
        if answered:
            self._say(f"Recorded how sales answered {answered:,} earlier handoffs.")
        routed = route_waiting_mqls()
        if routed:
            self._say(f"Routed {routed:,} MQLs to the sales team by capacity.")
        write_briefs()
        enrolled = write_nurture()
        if enrolled:
            self._say(f"Enrolled {enrolled:,} recycled leads in the nurture sequence.")
        plan = write_plan()
        if plan is not None:
            self._say(
                f"Made {plan.name} the active plan: {plan.target_revenue:,.0f} {plan.currency}."
            )
        taken = take_scheduled_snapshots()
        if taken:
            self._say(f"Took {taken} report snapshots (last week's and last month's).")
        tracking = write_tracking(people)
        address = bind_address(options["host"], options["port"])
        if "TANDEM_BASE_URL" not in os.environ:
            # Links in the emails the demo's worker sends lead back to this server.
            os.environ["TANDEM_BASE_URL"] = f"http://{address}"
        self._print_logins(address)
        self._print_tracking(address, tracking)
        if not options["no_serve"]:
            self.stdout.flush()
            serve(host=options["host"], port=options["port"], workers=DEFAULT_WORKERS)

    def _sign_agreement(self, people: dict[str, User]) -> None:
        self._say("Signing the first lead agreement and scoring every lead...")
        agreement = write_agreement(people)
        if agreement is None:
            self._say("  The database already holds a lead agreement: keeping it.")
            return
        summary = agreement.active.activation_summary
        self._say(
            f"  v{agreement.active.number} is active: {summary['leads_scored']:,} leads scored, "
            f"{summary['moved_to_mql']:,} moved to MQL. v{agreement.proposal.number} "
            f"(“{agreement.proposal.title}”) waits for the sales manager's signature."
        )

    def _print_tracking(self, address: str, tracking: DemoTracking) -> None:
        self.stdout.write(
            f"Tracking: send Segment-compatible calls with the write key {tracking.write_key}, "
            "for example:"
        )
        self.stdout.write("")
        self.stdout.write(
            f"  curl -u {tracking.write_key}: -H 'Content-Type: application/json' "
            """-d '{"anonymousId": "visitor-1", "event": "Viewed pricing"}' """
            f"http://{address}/v1/track"
        )
        self.stdout.write("")
        self.stdout.write(f"A hosted demo-request form: http://{address}/f/{tracking.form_key}/")
        self.stdout.write("")

    def _say(self, message: str) -> None:
        """Progress goes to standard error, in plain text (not the error colour)."""
        self.stderr.style_func = None
        self.stderr.write(message)
        self.stderr.flush()

    def _generate(self, *, leads: int, seed: int) -> None:
        bulk = leads > BULK_ABOVE
        how = "bulk inserts" if bulk else "the services"
        self._say(f"Generating {leads:,} leads (seed {seed}) through {how}...")
        started = time.monotonic()
        plan = make_plan(leads=leads, today=now().date(), seed=seed)
        shown: dict[str, float] = {}

        def progress(phase: str, done: int, total: int) -> None:
            # At most one line a second per phase, and always the last one.
            moment = time.monotonic()
            if done < total and moment - shown.get(phase, 0.0) < 1.0:
                return
            shown[phase] = moment
            self._say(f"  {phase}: {done:,} of {total:,} ({moment - started:.1f} s)")

        writer = write_bulk if bulk else write_with_services
        written: Written = writer(plan, password=DEMO_PASSWORD, progress=progress)
        self._say(
            f"Done in {time.monotonic() - started:.1f} s: {written.companies:,} companies, "
            f"{written.campaigns:,} campaigns, {written.leads:,} leads, "
            f"{written.stage_changes:,} stage changes, {written.deals:,} deals, "
            f"{written.events:,} events."
        )

    def _print_logins(self, address: str) -> None:
        rows = [("username", "password", "role", "team")]
        rows += [(p.username, DEMO_PASSWORD, Role(p.role).label, p.team) for p in PEOPLE]
        widths = [max(len(row[column]) for row in rows) for column in range(4)]
        self.stdout.write("")
        self.stdout.write(f"Tandem demo: open http://{address}/ and log in as any of these:")
        self.stdout.write("")
        for row in rows:
            cells = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row))
            self.stdout.write(f"  {cells}".rstrip())
        self.stdout.write("")
