"""The roster's collections, their indexes, and versioned reads.

Entity collections (one document per OneRoster record, ``_id`` = its sourcedId; every
document carries ``district_id`` and ``school_id``, and indexes lead with them):

    orgs            district and schools (IANA time zone, languages)
    sessions        academic sessions
    people          students (grade), teachers, guardians (email/phone, language), admins
    classes         classes of a school
    enrolments      a person in a class (role student or teacher)
    guardian_links  guardian -> student, ``_id`` "<guardian>::<student>"

Import bookkeeping: ``imports`` (one per applied import), ``import_locks`` (one per
district), ``import_events`` (staged events in chunks, see ``staging``).

Versioned writes: an import stamps every document it writes with its ``import_id`` and
keeps the document's previous committed version under ``prev`` (absent for a document
it created). While that import is not committed (status staging or aborting) every
reader resolves such a document to ``prev`` (or to nothing), so an import becomes
visible all at once when its ``imports`` document flips to committed.
"""
from __future__ import annotations

from pymongo import ASCENDING

ORGS, SESSIONS, PEOPLE, CLASSES = "orgs", "sessions", "people", "classes"
ENROLMENTS, LINKS = "enrolments", "guardian_links"
IMPORTS, LOCKS, EVENT_CHUNKS = "imports", "import_locks", "import_events"

# domain kind (services.roster.domain.rules.KINDS) -> collection
COLLECTIONS = {"orgs": ORGS, "sessions": SESSIONS, "people": PEOPLE, "classes": CLASSES,
               "enrolments": ENROLMENTS, "guardian_links": LINKS}
HIDDEN_STATUSES = ("staging", "aborting")


def ensure_indexes(db) -> None:
    def idx(coll, *keys):
        db[coll].create_index([(k, ASCENDING) for k in keys])

    # Every secondary index costs about as much per write as the document itself on
    # the test server, so each collection has only the indexes its reads need.
    idx(ORGS, "district_id", "school_id")
    idx(SESSIONS, "district_id", "school_id")
    idx(PEOPLE, "district_id", "school_id", "kind")
    idx(CLASSES, "district_id", "school_id")
    idx(ENROLMENTS, "district_id", "school_id", "class_id")
    idx(ENROLMENTS, "district_id", "user_id")
    idx(LINKS, "district_id", "guardian_id")
    idx(LINKS, "district_id", "student_id")
    idx(IMPORTS, "district_id", "status")


def hidden_imports(db, district_id: str | None, session=None) -> list[str]:
    """Ids of imports whose writes nobody may see yet (staging) or any more (aborting)."""
    query = {"status": {"$in": list(HIDDEN_STATUSES)}, "district_id": district_id}
    return [d["_id"] for d in db[IMPORTS].find(query, {"_id": 1}, session=session)]


def resolve(doc: dict | None, hidden) -> dict | None:
    """The committed version of a stored document (None if it does not exist yet)."""
    if doc is None:
        return None
    if doc.get("import_id") in hidden:
        prev = doc.get("prev")
        return {**prev, "_id": doc["_id"]} if prev is not None else None
    if "prev" in doc:
        doc = {k: v for k, v in doc.items() if k != "prev"}
    return doc


def visible_query(query: dict, hidden) -> dict:
    """Rewrite a flat field query so it matches committed versions only. With no import
    in flight (the usual case) the query is unchanged and uses the indexes as is."""
    if not hidden:
        return query
    hidden = list(hidden)
    previous = {("_id" if k == "_id" else f"prev.{k}"): v for k, v in query.items()}
    return {"$or": [{**query, "import_id": {"$nin": hidden}},
                    {**previous, "import_id": {"$in": hidden}, "prev": {"$exists": True}}]}


def strip_version(doc: dict) -> dict:
    """A document as an import's ``prev`` keeps it (no ``_id``, no nested ``prev``)."""
    return {k: v for k, v in doc.items() if k not in ("_id", "prev")}


def load_state(db, district_id: str, session=None) -> dict[str, dict[str, dict]]:
    """Every committed roster document of a district, by kind and id (for planning)."""
    hidden = hidden_imports(db, district_id, session)
    state: dict[str, dict[str, dict]] = {}
    for kind, coll in COLLECTIONS.items():
        docs = state[kind] = {}
        for raw in db[coll].find({"district_id": district_id}, session=session):
            doc = resolve(raw, hidden)
            if doc is not None:
                docs[doc["_id"]] = doc
    return state
