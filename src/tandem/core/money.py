"""Money as Tandem keeps it: amounts to the cent, in one currency at a time."""

from decimal import Decimal

# Amounts are rounded to this before they are shown, stored or compared.
CENT = Decimal("0.01")
