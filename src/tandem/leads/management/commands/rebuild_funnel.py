import time
from typing import Any

from django.core.management.base import BaseCommand

from tandem.leads.funnel import rebuild_funnel
from tandem.reports import rollups


class Command(BaseCommand):
    help = (
        "Recompute the funnel rollups (stage reaches, daily and monthly counts) from the stage "
        "ledger, then the dashboard's rollups by lead attribute. Run it after changing "
        "TIME_ZONE, and after upgrading to let a large database count its rollups at once "
        "instead of on the first page read; it is safe to run at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stderr.write("Rebuilding the funnel from the stage ledger...")
        started = time.perf_counter()
        reaches = rebuild_funnel()
        seconds = time.perf_counter() - started
        self.stdout.write(f"Rebuilt the funnel: {reaches:,} stage reaches ({seconds:,.1f} s).")
        self.stderr.write("Counting the dashboard's rollups...")
        started = time.perf_counter()
        leads = rollups.rebuild()
        self.stdout.write(
            f"Counted the dashboard's rollups: {leads:,} leads "
            f"({time.perf_counter() - started:,.1f} s)."
        )
