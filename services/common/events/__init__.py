"""Event data schemas, one module per producing service. Importing this package
registers every event in the catalogue. Public events carry ids and what a
subscriber needs; names, contact details and free text about a child travel only
in events marked private (internal exchange, never bound by outside systems)."""
from services.common.events import goals, notifications, reports, roster, scheduling  # noqa: F401
