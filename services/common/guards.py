"""The two checks every service makes on a caller, written once: tenancy
(`same_district`, `district_scope` for queries) and role (`require_role`).

Tenancy fails closed: a district missing on either side (the caller's or the record's)
is never a match and never reads as "all districts". Which records a role may see
inside its district is a business rule and lives with the services (`services.access`
for the roster's students and schools, each service's `access` module for its own
documents), not here."""
from __future__ import annotations

from collections.abc import Mapping

from services.common.auth import Principal
from services.common.errors import Forbidden

# Matches no document: the scope of a caller without a district.
NOTHING = {"$in": []}


def same_district(principal: Principal, doc_or_district_id: Mapping | str | None) -> bool:
    """Whether the record (a stored document, or its district id) is in the caller's
    district. A document without a `district_id` is in no district."""
    if isinstance(doc_or_district_id, Mapping):
        doc_or_district_id = doc_or_district_id.get("district_id")
    mine = principal.district_id
    return isinstance(mine, str) and bool(mine) and mine == doc_or_district_id


def district_scope(principal: Principal, **more) -> dict:
    """A query filter for the caller's district (plus `more`); it matches nothing when the
    caller names no district, where a bare `{"district_id": None}` would match every
    document that lacks one."""
    mine = principal.district_id
    return {"district_id": mine if isinstance(mine, str) and mine else NOTHING, **more}


def require_role(principal: Principal, *roles: str) -> None:
    """403 unless the caller has one of `roles`."""
    if principal.role not in roles:
        raise Forbidden(f"The {principal.role} role may not do this.", code="role_not_allowed")
