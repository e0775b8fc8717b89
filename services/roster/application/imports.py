"""Import a OneRoster 1.1 / 1.2 bundle (folder or .zip) into the roster's store.

    summary = import_bundle_path(settings, "export.zip")                 # dev runner, CLI
    summary = import_bundle(store, path, partial=True, district_id="d-1") # HTTP upload

1. Load and validate the whole bundle (no I/O on the database). A bundle with errors is
   rejected whole (``BundleRejected``, with every error's file, line and reason) unless
   the caller opts into a partial import, which skips the bad rows only.
2. Take the district's import lock; finish any import a crashed importer left behind.
3. Plan against the stored state (``domain.plan_import``), build the documents to write
   (``changeset``) and the events (``event_rules``). Nothing to change: stop here, having
   written nothing and emitted nothing (re-importing a bundle is a no-op).
4. Apply all or nothing (``staging``): staged, versioned writes, one commit point, then
   the events are released to the outbox.
"""
from __future__ import annotations

import time

from services.common import logs
from services.common.errors import Invalid
from services.common.store import Store
from services.roster.domain import events as event_rules
from services.roster.adapters import staging
from services.roster.domain.changeset import build_changes, snapshot
from services.roster.domain.rules import plan_import
from services.roster.domain.ids import scope_bundle
from services.roster.adapters.oneroster.bundle import Bundle, load_bundle
from services.roster.domain.vocabulary import ORGS, RowError
from services.roster.application.recovery import recover_locked
from services.roster.adapters.repository import load_state
from services.roster.application.staged_events import StagedEvents, new_import_id

log = logs.get("confer.roster.import")
MAX_LISTED_ERRORS = 1000
_VERB = {"create": "created", "update": "updated", "deactivate": "deactivated"}


class BundleRejected(Invalid):
    """The bundle has errors (and no partial import was asked for): nothing was imported."""

    def __init__(self, errors: list[RowError], detail: str | None = None):
        super().__init__(detail or f"The bundle has {len(errors)} error(s); nothing was imported.",
                         code="bundle_invalid")
        self.row_errors = list(errors)


def error_item(error: RowError) -> dict:
    return {"file": error.file, "line": error.line, "column": error.column, "reason": error.reason,
            "message": str(error)}


def import_bundle_path(settings, path, partial: bool = False, district_id: str | None = None) -> dict:
    """Import with a store of its own (dev runner, CLI)."""
    from services.roster import SERVICE
    from services.common.service import make_store

    store = make_store(SERVICE, settings)
    try:
        store.ensure_indexes()
        return import_bundle(store, path, partial=partial, district_id=district_id)
    finally:
        store.client.close()


def district_of(bundle: Bundle) -> str:
    districts = sorted(sid for sid, org in bundle.orgs.items() if org.type == "district" and org.active)
    if len(districts) != 1:
        found = ", ".join(districts) or "none"
        raise BundleRejected([RowError(ORGS, None, None, f"cannot tell which district this is (district orgs: "
                                                         f"{found}); pass the district id")])
    return districts[0]


def import_bundle(store: Store, path, *, partial: bool = False, district_id: str | None = None,
                  lease: float = staging.LEASE_SECONDS, batch: int = staging.WRITE_BATCH) -> dict:
    started = time.perf_counter()
    bundle = load_bundle(path)
    if bundle.version is None or (bundle.errors and not partial):
        raise BundleRejected(bundle.errors)
    district = district_id or district_of(bundle)
    bundle = scope_bundle(bundle, district)  # Confer ids: the district's own namespace (ids.py)
    import_id = new_import_id(store.clock())
    staging.acquire_lock(store, district, import_id, lease)
    try:
        recover_locked(store, district, import_id)
        before = load_state(store.db, district)
        plan = plan_import(snapshot(before), bundle)
        writes, after = build_changes(plan, before, district)
        summary = {"import_id": None, "district_id": district, "status": "unchanged",
                   "oneroster_version": bundle.version, "counts": plan.summary(), "changes": len(writes),
                   "events": {}, "error_count": len(bundle.errors),
                   "skipped_rows": sum(len(ids) for ids in bundle.rejected.values()),
                   "errors": [error_item(e) for e in bundle.errors[:MAX_LISTED_ERRORS]]}
        if writes:
            entries = _entries(import_id, district, store, plan, before, after, bundle.version)
            _apply(store, _import_doc(import_id, district, path, partial, summary, entries), writes, entries,
                   lease, batch)
            summary.update(import_id=import_id, status="applied", events=entries.count_by_name())
    finally:
        staging.release_lock(store.db, district, import_id)
    summary["seconds"] = round(time.perf_counter() - started, 3)
    log.info("roster import", **{k: v for k, v in summary.items() if k != "errors"})
    return summary


def _entries(import_id, district, store, plan, before, after, version) -> StagedEvents:
    entries = StagedEvents(import_id=import_id, district_id=district, now=store.clock(),
                            correlation_id=logs.current_correlation_id())
    for event in event_rules.derive(before, after):
        entries.add(event.name, event.data, subject=event.subject, school_id=event.school_id)
    counts = {f"{kind}_{_VERB[action]}": n for kind, c in plan.summary().items() for action, n in c.items()}
    counts["events"] = len(entries.events)
    entries.add("RosterImported", {"import_id": import_id, "oneroster_version": version, "counts": counts},
                subject=import_id, school_id=None)
    return entries


def _import_doc(import_id, district, path, partial, summary, entries: StagedEvents) -> dict:
    return {"_id": import_id, "district_id": district, "school_id": None, "source": str(path),
            "partial": partial, "oneroster_version": summary["oneroster_version"], "counts": summary["counts"],
            "changes": summary["changes"], "error_count": summary["error_count"],
            "events": len(entries.events), "chunks": len(entries.chunks()), "released": 0,
            "correlation_id": entries.correlation_id}


def _apply(store, doc, writes, entries: StagedEvents, lease, batch) -> None:
    staged = staging.StagedImport(store, doc, lease=lease, batch=batch)
    staged.begin()
    try:
        staged.stage_writes(writes)
        staged.stage_events(entries.chunks())
        staged.commit()
    except BaseException:
        try:
            staged.abort()
        except Exception as exc:  # noqa: BLE001 - the timer or the next import rolls it back
            log.warning("could not roll back the import; recovery will", import_id=staged.id, error=str(exc))
        raise
    staging.run_steps(store, staged.id)
