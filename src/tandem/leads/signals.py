"""What the lifecycle tells the apps downstream of it, without knowing them."""

from django.dispatch import Signal

# Sent, in the transaction of the change, when leads enter `stage` (a `Stage` value), with
# `lead_ids`: handoff routes new MQLs on it.
stage_entered = Signal()
