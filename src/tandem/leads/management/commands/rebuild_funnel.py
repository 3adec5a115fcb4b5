from typing import Any

from django.core.management.base import BaseCommand

from tandem.leads.funnel import rebuild_funnel


class Command(BaseCommand):
    help = (
        "Recompute the funnel rollups (stage reaches and monthly counts) from the stage ledger. "
        "Run it after changing TIME_ZONE; it is safe to run at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stderr.write("Rebuilding the funnel from the stage ledger...")
        reaches = rebuild_funnel()
        self.stdout.write(f"Rebuilt the funnel: {reaches:,} stage reaches.")
