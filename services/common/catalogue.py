"""The event catalogue: every event type Confer publishes, with its version and the
marshmallow schema of its data. Producer modules in `services.common.events` register
their schemas with `@event(...)`; the AsyncAPI / JSON Schema docs are generated from here.
"""
from __future__ import annotations

from dataclasses import dataclass

from marshmallow import RAISE, Schema, ValidationError

TYPE_PREFIX = "org.confer"


@dataclass(frozen=True)
class EventSpec:
    name: str
    version: int
    producer: str
    schema: type[Schema]
    description: str = ""
    # Private events carry contact details: they go to the private exchange, which
    # only the notifications service is bound to, never to outside subscribers.
    private: bool = False

    @property
    def type(self) -> str:
        return f"{TYPE_PREFIX}.{self.producer}.{self.name}.v{self.version}"

    @property
    def routing_key(self) -> str:
        return f"{self.producer}.{self.name}.v{self.version}"

    def validate(self, data) -> None:
        if not isinstance(data, dict):
            raise ValidationError({"data": ["Event data must be an object."]})
        errors = _instance(self.schema).validate(data)
        if errors:
            raise ValidationError(errors)


CATALOGUE: dict[str, EventSpec] = {}
_INSTANCES: dict[type, Schema] = {}


def _instance(schema_cls: type[Schema]) -> Schema:
    # Building a schema costs about as much as validating with it: build each once.
    inst = _INSTANCES.get(schema_cls)
    if inst is None:
        inst = _INSTANCES[schema_cls] = schema_cls(unknown=RAISE)
    return inst


def event(producer: str, name: str, version: int = 1, *, private: bool = False):
    """Class decorator registering a data schema as event `name` version `version`."""

    def register(schema_cls: type[Schema]) -> type[Schema]:
        spec = EventSpec(name, version, producer, schema_cls, (schema_cls.__doc__ or "").strip(), private)
        if spec.type in CATALOGUE:
            raise ValueError(f"event {spec.type} registered twice")
        CATALOGUE[spec.type] = spec
        return schema_cls

    return register


def _load() -> None:
    # Importing the producer modules fills CATALOGUE.
    from services.common import events  # noqa: F401


def spec_for_type(type_: str) -> EventSpec:
    _load()
    try:
        return CATALOGUE[type_]
    except KeyError:
        raise KeyError(f"unknown event type {type_!r}") from None


def latest(name: str) -> EventSpec:
    """The newest version of the event called `name` (what producers emit)."""
    _load()
    found = [s for s in CATALOGUE.values() if s.name == name]
    if not found:
        raise KeyError(f"unknown event {name!r}")
    return max(found, key=lambda s: s.version)


def all_specs() -> list[EventSpec]:
    _load()
    return sorted(CATALOGUE.values(), key=lambda s: (s.producer, s.name, s.version))
