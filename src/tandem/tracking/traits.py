"""Segment's traits read into lead and company fields.

Traits are whatever a website or app says about a person (identify, a form) or a company
(group). The reserved traits of Segment's spec map to fields; other short, plain values are kept
in `attributes`, where fit rules can test them. Values that do not fit a field are left out,
never refused: the event is stored either way.
"""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from tandem.leads.models import Company, Lead

MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_LENGTH = 200
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY_CODE = re.compile(r"^[A-Za-z]{2}$")

LEAD_TRAITS = {
    "first_name": ("firstName", "first_name"),
    "last_name": ("lastName", "last_name"),
    "job_title": ("title", "jobTitle", "job_title"),
    "phone": ("phone",),
}
PERSON_RESERVED = frozenset(
    {
        "email",
        "name",
        "company",
        "country",
        "address",
        "id",
        "createdAt",
        "avatar",
        *(name for names in LEAD_TRAITS.values() for name in names),
    }
)
COMPANY_RESERVED = frozenset(
    {"name", "industry", "employees", "employee_count", "website", "domain", "country", "address"}
)


def max_length(model: type[Lead] | type[Company], field: str) -> int:
    limit = getattr(model._meta.get_field(field), "max_length", None)
    return int(limit) if limit else MAX_ATTRIBUTE_LENGTH


def _text(value: Any, model: type[Lead] | type[Company], field: str) -> str:
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return ""
    return str(value).strip()[: max_length(model, field)]


def email_of(traits: Mapping[str, Any]) -> str:
    email = traits.get("email")
    if isinstance(email, str) and len(email) <= 254 and EMAIL_SHAPE.match(email.strip()):
        return email.strip().lower()
    return ""


def _country(traits: Mapping[str, Any]) -> str:
    country = traits.get("country")
    address = traits.get("address")
    if not country and isinstance(address, dict):
        country = address.get("country")
    if isinstance(country, str) and COUNTRY_CODE.match(country.strip()):
        return country.strip().upper()
    return ""


def _attributes(traits: Mapping[str, Any], reserved: frozenset[str]) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in traits.items():
        if key in reserved or len(kept) >= MAX_ATTRIBUTES or len(key) > 100:
            continue
        if isinstance(value, bool | int | float) or (
            isinstance(value, str) and len(value) <= MAX_ATTRIBUTE_LENGTH
        ):
            kept[key] = value
    return kept


def lead_fields(traits: Mapping[str, Any]) -> dict[str, Any]:
    """The lead fields the traits set (email included), without empty values."""
    fields: dict[str, Any] = {}
    if email := email_of(traits):
        fields["email"] = email
    for field, names in LEAD_TRAITS.items():
        for name in names:
            if value := _text(traits.get(name), Lead, field):
                fields[field] = value
                break
    full_name = _text(traits.get("name"), Lead, "first_name")
    if full_name and "first_name" not in fields and "last_name" not in fields:
        first, _, last = full_name.partition(" ")
        fields["first_name"] = first
        if last:
            fields["last_name"] = last.strip()[: max_length(Lead, "last_name")]
    if country := _country(traits):
        fields["country"] = country
    if attributes := _attributes(traits, PERSON_RESERVED):
        fields["attributes"] = attributes
    return fields


def company_name_of(traits: Mapping[str, Any]) -> str:
    """The person's company as identify and forms send it: a name, or an object with one."""
    company = traits.get("company")
    if isinstance(company, dict):
        company = company.get("name")
    return _text(company, Company, "name")


def domain_of(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    text = value.strip().lower()
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    host = host.removeprefix("www.")
    return host[: max_length(Company, "domain")] if "." in host else ""


def company_fields(traits: Mapping[str, Any]) -> dict[str, Any]:
    """The company fields a group call's traits set, without empty values."""
    fields: dict[str, Any] = {}
    if name := _text(traits.get("name"), Company, "name"):
        fields["name"] = name
    if industry := _text(traits.get("industry"), Company, "industry"):
        fields["industry"] = industry
    employees = traits.get("employees", traits.get("employee_count"))
    if isinstance(employees, int | float) and not isinstance(employees, bool) and employees >= 0:
        fields["employee_count"] = int(employees)
    elif isinstance(employees, str) and employees.strip().isdigit():
        fields["employee_count"] = int(employees.strip())
    if domain := domain_of(traits.get("website") or traits.get("domain")):
        fields["domain"] = domain
    if country := _country(traits):
        fields["country"] = country
    if attributes := _attributes(traits, COMPANY_RESERVED):
        fields["attributes"] = attributes
    return fields
