"""The goals service's HTTP API: one blueprint per concept."""
from __future__ import annotations


def blueprints() -> list:
    from services.goals.api_evidence import blp as evidence
    from services.goals.api_family import blp as family
    from services.goals.api_goals import blp as goals

    return [goals, family, evidence]
