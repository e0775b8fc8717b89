"""The goals service's HTTP API: one blueprint per concept."""
from __future__ import annotations


def blueprints() -> list:
    from services.goals.entrypoints.http.evidence import blp as evidence
    from services.goals.entrypoints.http.family import blp as family
    from services.goals.entrypoints.http.goals import blp as goals

    return [goals, family, evidence]
