"""What the linter can be told: label names, heading aliases, thresholds and rule overrides."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.core.catalogue import RULES

RuleSetting = Literal["error", "warning", "suggestion", "off"]


class Labels(BaseModel):
    """The label names of the success-plan template (GitLab's CSM conventions by default)."""

    model_config = ConfigDict(extra="forbid")

    objective: str = "SP Objective"
    # The one epic that holds the customer's goals and highlights for the deck's opening slide.
    goals: str = "SP Goals"
    objective_status: str = "SP Objective::Status::"
    initiative_status: str = "SP Initiative::Status::"
    verifiable_outcome: str = "Verifiable Outcome::"
    use_case: str = "UseCase::"
    closed_success: str = "Closed Success"
    outcome_done: list[str] = Field(default_factory=lambda: ["Verified", "Delivered"])
    at_risk: list[str] = Field(default_factory=lambda: ["Watchpoint", "Concern"])


class Headings(BaseModel):
    """Section headings, each with the aliases a CSM may write instead."""

    model_config = ConfigDict(extra="forbid")

    summary: list[str] = Field(default_factory=lambda: ["Summary", "Outcome", "Business Outcome"])
    criteria: list[str] = Field(
        default_factory=lambda: ["Success Criteria", "Success Metrics", "Measures of Success"]
    )
    updates: list[str] = Field(default_factory=lambda: ["Updates", "Status Updates"])
    initiative_update: list[str] = Field(default_factory=lambda: ["Update", "Updates"])
    goals: list[str] = Field(default_factory=lambda: ["Goals", "Business Goals", "Strategy"])
    highlights: list[str] = Field(default_factory=lambda: ["Highlights", "Recent Highlights"])

    def known(self) -> frozenset[str]:
        """Every section name the parser should recognise in a looser form (lower case)."""
        names = [*self.summary, *self.criteria, *self.updates]
        return frozenset(name.strip().rstrip(":").strip().lower() for name in names)

    @field_validator("summary", "criteria", "updates", "initiative_update", "goals", "highlights")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("needs at least one heading")
        return value


class Thresholds(BaseModel):
    """Numbers behind the judgement rules."""

    model_config = ConfigDict(extra="forbid")

    summary_min_words: int = Field(default=15, ge=1)
    stale_update_days: int = Field(default=90, ge=1)
    max_open_objectives: int = Field(default=3, ge=1)


class LintConfig(BaseModel):
    """Everything configurable about linting; the defaults follow SPEC.md."""

    model_config = ConfigDict(extra="forbid")

    labels: Labels = Field(default_factory=Labels)
    headings: Headings = Field(default_factory=Headings)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    rules: dict[str, RuleSetting] = Field(default_factory=dict)

    @field_validator("rules", mode="before")
    @classmethod
    def _yaml_off(cls, value: object) -> object:
        # YAML 1.1 reads a bare `off` as false; that is what the author meant.
        if isinstance(value, dict):
            return {k: ("off" if v is False else v) for k, v in value.items()}
        return value

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: dict[str, RuleSetting]) -> dict[str, RuleSetting]:
        unknown = sorted(set(value) - set(RULES))
        if unknown:
            raise ValueError(f"unknown rule id {unknown[0]!r}")
        return value
