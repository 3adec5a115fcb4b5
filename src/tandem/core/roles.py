"""The roles people hold and what each may do.

Every permission question in Tandem is answered here, by name, so the matrix can be read in one
place and tested row by row. `access_*` functions in each app's `queries.py` apply it to rows.
"""

from django.db import models


class TeamKind(models.TextChoices):
    MARKETING = "marketing", "Marketing"
    SALES = "sales", "Sales"
    LEADERSHIP = "leadership", "Leadership"


class Role(models.TextChoices):
    MARKETER = "marketer", "Marketer"
    MARKETING_LEAD = "marketing_lead", "Marketing lead"
    SALES_REP = "sales_rep", "Sales rep"
    SALES_MANAGER = "sales_manager", "Sales manager"
    EXECUTIVE = "executive", "Executive"
    ADMIN = "admin", "Admin"


# The team kind each role belongs to; admins may sit on any team.
TEAM_KIND_OF_ROLE: dict[str, set[str]] = {
    Role.MARKETER: {TeamKind.MARKETING},
    Role.MARKETING_LEAD: {TeamKind.MARKETING},
    Role.SALES_REP: {TeamKind.SALES},
    Role.SALES_MANAGER: {TeamKind.SALES},
    Role.EXECUTIVE: {TeamKind.LEADERSHIP},
    Role.ADMIN: {TeamKind.MARKETING, TeamKind.SALES, TeamKind.LEADERSHIP},
}

MARKETING_ROLES = frozenset({Role.MARKETER, Role.MARKETING_LEAD})
SALES_ROLES = frozenset({Role.SALES_REP, Role.SALES_MANAGER})

# Which leads a role sees:
# - marketing generates and scores every lead, so it sees them all;
# - leadership reads everything;
# - a sales manager sees the leads owned by anyone on their own team, plus unassigned ones
#   (they route them);
# - a sales rep sees only the leads assigned to them.
SEES_ALL_LEADS = frozenset({Role.MARKETER, Role.MARKETING_LEAD, Role.EXECUTIVE, Role.ADMIN})
SEES_TEAM_LEADS = frozenset({Role.SALES_MANAGER})
SEES_OWN_LEADS = frozenset({Role.SALES_REP})

# Leadership reads; everyone else on a team may edit the leads, companies and deals they see.
EDITS_LEADS = frozenset(
    {Role.MARKETER, Role.MARKETING_LEAD, Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN}
)
EDITS_COMPANIES = EDITS_LEADS
# Deals are sales' record of an opportunity; marketing reads them for attribution.
EDITS_DEALS = frozenset({Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN})
# Campaigns are marketing's: sales reads them (and reviews briefs, later) but cannot edit them.
EDITS_CAMPAIGNS = frozenset({Role.MARKETER, Role.MARKETING_LEAD, Role.ADMIN})
# Who may hand a lead to another owner.
ASSIGNS_LEADS = frozenset({Role.MARKETER, Role.MARKETING_LEAD, Role.SALES_MANAGER, Role.ADMIN})
# Who answers a handed-over lead (accepts, rejects, logs touches, qualifies): the rep it is
# assigned to, their sales manager, or an admin.
WORKS_LEADS = frozenset({Role.SALES_REP, Role.SALES_MANAGER, Role.ADMIN})

# The lead agreement:
# - everyone on a team reads every version of it, drafts included, so neither side is surprised
#   by a proposal;
# - the owners of the two sides (the marketing lead and the sales managers) and admins draft,
#   edit drafts, propose and withdraw;
# - a person signs in the role they hold, and only when the version names that role among its
#   required signers; admins run the system and speak for no side, so they never sign.
DRAFTS_AGREEMENT = frozenset({Role.MARKETING_LEAD, Role.SALES_MANAGER, Role.ADMIN})
MAY_SIGN_AGREEMENT = frozenset(
    {Role.MARKETER, Role.MARKETING_LEAD, Role.SALES_REP, Role.SALES_MANAGER, Role.EXECUTIVE}
)
# Who hears about every proposal, signature and activation, besides the earlier signers.
HEARS_OF_AGREEMENT_CHANGES = frozenset({Role.MARKETING_LEAD, Role.SALES_MANAGER})
# Tracking sources and their write keys decide who may send events in: admins only.
MANAGES_SOURCES = frozenset({Role.ADMIN})
# Forms capture leads, which is marketing's work; admins run the system.
MANAGES_FORMS = frozenset({Role.ADMIN, Role.MARKETING_LEAD, Role.MARKETER})
