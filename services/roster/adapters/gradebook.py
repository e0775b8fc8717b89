"""The gradebook's stored documents as the read API needs them, and the teachers'
data-talk notes (written outside imports: one note per talk)."""
from __future__ import annotations

from services.roster.adapters.directory import View
from services.roster.adapters.repository import DATA_TALKS, GB_LINE_ITEMS, GB_RESULTS, GB_SCALES


def student_gradebook(view: View, student_id: str) -> tuple[list[dict], dict[str, dict], dict[str, dict]]:
    """A student's active results, with the line items and scales they refer to."""
    results = view.find(GB_RESULTS, {"student_id": student_id, "active": True}, sort=(("date", 1), ("_id", 1)))
    items = {d["_id"]: d for d in view.find(GB_LINE_ITEMS, {"_id": {"$in": sorted({r["line_item_id"]
                                                                                  for r in results})}})}
    scales = {d["_id"]: d for d in view.find(GB_SCALES, {"_id": {"$in": sorted({i["scale_id"] for i in items.values()
                                                                              if i.get("scale_id")})}})}
    return results, items, scales


def data_talks(view: View, student_id: str) -> list[dict]:
    return view.find(DATA_TALKS, {"student_id": student_id}, sort=(("shared_at", -1), ("_id", 1)), limit=200)


def add_data_talk(uow, doc: dict) -> None:
    uow.db[DATA_TALKS].insert_one(doc, session=uow.session)
