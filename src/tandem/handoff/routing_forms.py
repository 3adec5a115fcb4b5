"""The routing page's forms: a rule (its conditions typed as JSON, as in the agreement editor)
and a rep's capacity."""

import json
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User

from tandem.handoff import routing_queries
from tandem.handoff.models import RoutingRule
from tandem.handoff.routing_queries import MAX_CAPACITY, NAME_MAX_LENGTH
from tandem.people.models import Team

NOT_JSON = "The conditions are not valid JSON: {reason} (line {line}, column {column})."
NOT_A_LIST = (
    "The conditions must be one JSON list, in brackets: "
    '[{"field": "country", "op": "equals", "value": "DE"}], or empty for every lead.'
)
UNKNOWN_TARGET = "Choose a sales team or a sales rep to send the leads to."
# A datetime-local input's own format, so the field shows a saved moment back.
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"


def target_value(*, team: Team | None, rep: User | None) -> str:
    if team is not None:
        return f"team:{team.pk}"
    return f"rep:{rep.pk}" if rep is not None else ""


def _person(user: User) -> str:
    return user.get_full_name() or user.username


class RuleForm(forms.Form):
    """A routing rule; one choice names the team or the rep, so a rule always has exactly
    one target."""

    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Enterprise in DACH"}),
    )
    position = forms.IntegerField(
        min_value=1,
        max_value=1_000_000,
        required=False,
        help_text="Rules are tried from position 1 up. Leave empty to add the rule last.",
    )
    target = forms.ChoiceField(label="Send leads to")
    conditions = forms.CharField(
        required=False,
        max_length=20_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"}),
        help_text="A JSON list of fit conditions that must all hold; empty takes every lead.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        teams = list(routing_queries.sales_teams())
        reps = list(routing_queries.sales_reps().order_by("first_name", "last_name", "username"))
        self.teams = {f"team:{team.pk}": team for team in teams}
        self.reps = {f"rep:{rep.pk}": rep for rep in reps}
        choices: list[Any] = [("", "Choose…")]
        if teams:
            teams_choice = [(key, team.name) for key, team in self.teams.items()]
            choices.append(("A team, its reps by turns", teams_choice))
        if reps:
            choices.append(("One rep", [(key, _person(rep)) for key, rep in self.reps.items()]))
        target = cast(forms.ChoiceField, self.fields["target"])
        target.choices = choices
        target.error_messages["invalid_choice"] = UNKNOWN_TARGET

    @classmethod
    def for_rule(cls, rule: RoutingRule) -> "RuleForm":
        return cls(
            initial={
                "name": rule.name,
                "position": rule.position,
                "target": target_value(team=rule.team, rep=rule.rep),
                "conditions": json.dumps(rule.conditions, indent=2, ensure_ascii=False)
                if rule.conditions
                else "",
            }
        )

    def clean_conditions(self) -> Any:
        text = self.cleaned_data["conditions"]
        if not text.strip():
            return []
        try:
            conditions = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                NOT_JSON.format(reason=error.msg, line=error.lineno, column=error.colno)
            ) from None
        if not isinstance(conditions, list):
            raise forms.ValidationError(NOT_A_LIST)
        return conditions

    def changes(self) -> dict[str, Any]:
        """The cleaned form as the services' arguments."""
        key = self.cleaned_data["target"]
        return {
            "name": self.cleaned_data["name"],
            "position": self.cleaned_data["position"],
            "team": self.teams.get(key),
            "rep": self.reps.get(key),
            "conditions": self.cleaned_data["conditions"],
        }

    def problems(self) -> list[str]:
        """Every error as a sentence, the field named where it is not obvious."""
        return [
            str(message) if name in {"conditions", "__all__"} else f"{self[name].label}: {message}"
            for name, messages in self.errors.items()
            for message in messages
        ]


# Which form field a service's error is about, by the field the service named.
ERROR_FIELDS = {"name": "name", "position": "position", "team_id": "target", "rep_id": "target"}


def form_field_of(fields: dict[str, str]) -> str | None:
    for name in fields:
        if name.startswith("conditions"):
            return "conditions"
        if name in ERROR_FIELDS:
            return ERROR_FIELDS[name]
    return None


class CapacityForm(forms.Form):
    open_leads = forms.IntegerField(
        label="Capacity",
        min_value=0,
        max_value=MAX_CAPACITY,
        help_text="The most open leads the rep holds; also their share of the team's leads.",
    )
    away_until = forms.DateTimeField(
        label="Away until",
        required=False,
        input_formats=[LOCAL_MINUTE, "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_MINUTE),
        help_text="In the organisation's time zone. Empty: not away.",
    )
