"""Explicit wiring of a service: event handlers with declared names, handler tables
merged without overwriting, and the checks a worker runs before it starts.

A handler's declared name is the key of its entries in the processed-events ledger, so
moving or renaming the function does not run again the events it already handled. A
table that is missing, lists a handler twice for one event, or gives two functions one
name stops the worker at start with an error naming the service and the entry (a
misspelled table used to start a worker with no consumers at all)."""
from __future__ import annotations

import importlib
import inspect
from typing import Callable

from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from services.common.store import LEDGER

NAME = "confer_handler_name"  # attributes a declared handler carries (kept by functools.wraps)
FORMERLY = "confer_handler_formerly"


class WiringError(Exception):
    """A service's definition does not hold together: the process must not start."""


def handler(name: str, *, formerly: str | tuple[str, ...] = ()):
    """Declare an event handler: `name` is its key in the processed-events ledger, unique
    within the service and kept when the function moves. `formerly` is the key (or keys)
    its ledger entries had before (the module path the ledger used to store, or an
    earlier name), moved over to `name` by `migrate_ledger` when the worker starts."""
    if not name or not isinstance(name, str):
        raise WiringError(f"a handler name must be a non-empty string, not {name!r}")

    def declare(fn: Callable) -> Callable:
        setattr(fn, NAME, name)
        setattr(fn, FORMERLY, (formerly,) if isinstance(formerly, str) else tuple(formerly))
        return fn

    return declare


def name_of(fn: Callable) -> str | None:
    return getattr(fn, NAME, None)


def where(fn: Callable) -> str:
    fn = inspect.unwrap(fn)
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def merge(*tables: dict) -> dict[str, list]:
    """One handler table from several: each event's handlers in order, table after table.
    A handler listed twice for one event raises, where `{**a, **b}` would silently drop
    a's handlers of an event b also lists."""
    merged: dict[str, list] = {}
    for table in tables:
        for event, fns in table.items():
            have = merged.setdefault(event, [])
            for fn in fns:
                if any(fn is f or (name_of(fn) and name_of(fn) == name_of(f)) for f in have):
                    raise WiringError(f"handler {name_of(fn) or where(fn)} listed twice for {event}")
                have.append(fn)
    return merged


def load(service: str, entry: str, target: str):
    """`target` ("package.module:NAME") of `service`'s definition, imported now; an
    error naming the service and the entry if the module or the name is missing."""
    module, _, attr = target.partition(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):  # the module itself, not one it imports
            raise WiringError(f"service {service!r}: {entry} {target}: no module {module}") from exc
        raise
    try:
        return getattr(mod, attr)
    except AttributeError:
        raise WiringError(f"service {service!r}: {entry} {target}: {module} has no {attr}") from None


def check_handlers(service: str, table) -> dict[str, list[Callable]]:
    """The handler table by full event type, checked: every event known, every handler a
    declared callable, none twice for one event (`GuardianLinked` and `GuardianLinked.v1`
    are one event), and one function per declared name in the whole service."""
    from services.common.bus import resolve

    if not isinstance(table, dict):
        raise WiringError(f"service {service!r}: the handler table is a {type(table).__name__}, not a dict")
    by_type: dict[str, list[Callable]] = {}
    owners: dict[str, Callable] = {}
    for event, fns in table.items():
        try:
            spec = resolve(event)
        except KeyError as exc:
            raise WiringError(f"service {service!r}: handlers for an unknown event {event!r}") from exc
        if not isinstance(fns, (list, tuple)):
            raise WiringError(f"service {service!r}: the handlers of {event} are a {type(fns).__name__}, not a list")
        listed = by_type.setdefault(spec.type, [])
        for fn in fns:
            name = name_of(fn) if callable(fn) else None
            if name is None:
                raise WiringError(f"service {service!r}: handler {where(fn) if callable(fn) else repr(fn)} of {event} "
                                  "has no declared name (@handler(\"...\"))")
            if any(name_of(f) == name for f in listed):
                raise WiringError(f"service {service!r}: handler {name!r} listed twice for {event}")
            owner = owners.setdefault(name, fn)
            if inspect.unwrap(owner) is not inspect.unwrap(fn):
                raise WiringError(f"service {service!r}: two handlers named {name!r}: {where(owner)} and {where(fn)}")
            listed.append(fn)
    return by_type


def check_timers(service: str, table) -> dict[str, Callable]:
    """The timer table checked: a dict of kind -> callback (the kind is the timer's
    stable name: stored timers carry it)."""
    if not isinstance(table, dict):
        raise WiringError(f"service {service!r}: the timer table is a {type(table).__name__}, not a dict")
    for kind, callback in table.items():
        if not isinstance(kind, str) or not kind:
            raise WiringError(f"service {service!r}: a timer kind must be a non-empty string, not {kind!r}")
        if not callable(callback):
            raise WiringError(f"service {service!r}: the callback of timer {kind!r} is not callable")
    return table


def ledger_renames(service: str, by_type: dict[str, list[Callable]]) -> dict[str, str]:
    """Former ledger key -> declared name, from the handlers' `formerly`."""
    renames: dict[str, str] = {}
    for fns in by_type.values():
        for fn in fns:
            for old in getattr(fn, FORMERLY, ()):
                if renames.setdefault(old, name_of(fn)) != name_of(fn):
                    raise WiringError(f"service {service!r}: handlers {renames[old]!r} and {name_of(fn)!r} both "
                                      f"were {old!r}")
    return renames


def migrate_ledger(db, renames: dict[str, str], *, batch: int = 1000) -> int:
    """Move processed-events ledger entries from their former keys (`{event}:{old}`) to
    the declared names (`{event}:{name}`); return how many moved. Idempotent and safe to
    run from two processes at once: each entry is copied (an upsert that leaves an entry
    already there alone) before the old one is deleted, so a crash in between only
    leaves work for the next run."""
    if not renames:
        return 0
    ledger, moved = db[LEDGER], 0
    while True:
        old = list(ledger.find({"handler": {"$in": sorted(renames)}},
                               {"event_id": 1, "handler": 1, "processed_at": 1}).limit(batch))
        if not old:
            return moved
        copies = [UpdateOne({"_id": f"{d['event_id']}:{renames[d['handler']]}"},
                            {"$setOnInsert": {"event_id": d["event_id"], "handler": renames[d["handler"]],
                                              "processed_at": d.get("processed_at"), "formerly": d["handler"]}},
                            upsert=True) for d in old]
        try:
            ledger.bulk_write(copies, ordered=False)
        except BulkWriteError as exc:  # another process copied the same entry meanwhile
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise
        ledger.delete_many({"_id": {"$in": [d["_id"] for d in old]}})
        moved += len(old)
