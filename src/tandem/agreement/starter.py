"""The terms a first draft starts from when no version is active yet.

A reasonable B2B starting point that marketing and sales then argue over: decision makers at
mid-market and enterprise companies in a few industries are a fit; pricing views, demo and
contact requests and webinar attendance show intent.
"""

from typing import Any

from tandem.core.roles import Role

STARTER_TERMS: dict[str, Any] = {
    "fit": {
        "rules": [
            {
                "name": "Mid-market or enterprise",
                "when": [
                    {"field": "company.segment", "op": "in", "value": ["Mid-market", "Enterprise"]}
                ],
                "points": 30,
            },
            {
                "name": "50 to 5,000 employees",
                "when": [{"field": "company.employee_count", "op": "between", "value": [50, 5000]}],
                "points": 10,
            },
            {
                "name": "Decision maker",
                "when": [
                    {
                        "field": "job_title",
                        "op": "has_word",
                        "value": ["chief", "vp", "head", "director"],
                    }
                ],
                "points": 30,
            },
            {
                "name": "Practitioner",
                "when": [
                    {"field": "job_title", "op": "has_word", "value": ["manager", "operations"]}
                ],
                "points": 15,
            },
            {
                "name": "Target industry",
                "when": [
                    {
                        "field": "company.industry",
                        "op": "in",
                        "value": ["Software", "Financial services", "Professional services"],
                    }
                ],
                "points": 15,
            },
            {
                "name": "Not a buyer",
                "when": [{"field": "job_title", "op": "has_word", "value": ["student", "intern"]}],
                "points": -40,
            },
        ],
        "grades": {"A": 60, "B": 40, "C": 20},
    },
    "engagement": {
        "rules": [
            {
                "name": "Pricing page",
                "event_type": "page",
                "when": [{"field": "path", "op": "starts_with", "value": "/pricing"}],
                "points": 10,
                "cap": 30,
            },
            {
                "name": "Demo or contact request",
                "event_type": "form",
                "when": [{"field": "form", "op": "in", "value": ["demo-request", "contact-sales"]}],
                "points": 40,
            },
            {"name": "Form submitted", "event_type": "form", "points": 15, "cap": 45},
            {"name": "Email click", "event_type": "email", "points": 5, "cap": 20},
            {
                "name": "Webinar attended",
                "event_type": "track",
                "event_name": "Webinar attended",
                "points": 15,
            },
            {
                "name": "ROI calculator",
                "event_type": "track",
                "event_name": "ROI calculator used",
                "points": 20,
            },
            {"name": "Pages read", "event_type": "page", "points": 2, "cap": 20},
        ],
        "half_life_days": 30,
    },
    "mql": {"any_of": [{"grades": ["A", "B"], "min_score": 40}]},
    "service_levels": {
        "accept_within_hours": 8,
        "first_contact_within_hours": 24,
        "when_undecided": "escalate",
        "mqls_per_month": 60,
        "mqls_per_month_by_segment": {"Enterprise": 10, "Mid-market": 25, "SMB": 25},
        "business_hours": {
            "time_zone": "Europe/Berlin",
            "days": [1, 2, 3, 4, 5],
            "starts_at": "09:00",
            "ends_at": "17:00",
        },
    },
    "rejection_reasons": [
        {"code": "not-ready", "label": "Not ready to buy", "outcome": "recycle"},
        {"code": "timing", "label": "Timing: revisit next quarter", "outcome": "recycle"},
        {"code": "no-response", "label": "No response after five touches", "outcome": "recycle"},
        {"code": "not-target", "label": "Not in our target market", "outcome": "disqualify"},
        {
            "code": "too-small",
            "label": "Company too small for the product",
            "outcome": "disqualify",
        },
        {"code": "duplicate", "label": "Duplicate of an existing lead", "outcome": "disqualify"},
    ],
    "recycle": {"idle_days": 45},
    "glossary": [
        {
            "term": "Lead",
            "definition": "A person with a way to reach them who has shown any interest.",
            "owner": "marketing",
        },
        {
            "term": "MQL",
            "definition": "A lead whose fit grade and engagement score meet this agreement's "
            "MQL rule; marketing hands it to sales.",
            "owner": "marketing",
        },
        {
            "term": "SAL",
            "definition": "An MQL a sales rep has accepted to work within the service level.",
            "owner": "sales",
        },
        {
            "term": "SQL",
            "definition": "A lead sales has qualified in a conversation: need, budget and timing "
            "confirmed; a deal is opened.",
            "owner": "sales",
        },
        {
            "term": "Recycled",
            "definition": "Not now: back to marketing's nurture until it engages again.",
            "owner": "both",
        },
    ],
    "required_signers": [Role.MARKETING_LEAD.value, Role.SALES_MANAGER.value],
}
