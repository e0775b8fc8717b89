"""Explicit wiring: a service's definition names its parts, and a handler table that is
missing, lists a handler twice or leaves a handler unnamed stops the worker at start."""
import importlib

import pytest

from services.common.config import Settings
from services.common.consumer import Dispatcher
from services.common.service import ServiceDefinition, Worker
from services.common.store import Store
from services.common.wiring import WiringError, check_handlers, handler, ledger_renames, merge

SERVICES = ("goals", "notifications", "reports", "roster", "scheduling")
# The ledger knows handlers by these names: renaming one runs its events again, so a
# change here needs `formerly=` on the handler (moved over by the worker at start).
DECLARED = {
    "goals": {"goals.conference_held", "goals.follow_up_due", "goals.outcome_content"},
    "notifications": {"notifications.notify", "notifications.booking_changed", "notifications.goal_content_changed",
                      "notifications.goal_updated", "notifications.person_deactivated",
                      "notifications.person_profile_changed", "notifications.window_opened"},
    "reports": {"reports.record"},
    "roster": set(),
    "scheduling": {"scheduling.invite_late_family", "scheduling.person_profile_changed"},
}
ROSTER_PROJECTION = {f"roster_projection.{n}" for n in (
    "school_updated", "student_enrolled", "student_updated", "student_unenrolled", "guardian_linked",
    "guardian_unlinked", "person_deactivated")}


@handler("test.first")
def first(event, uow):
    pass


@handler("test.second")
def second(event, uow):
    pass


@handler("test.first")
def impostor(event, uow):  # a copy that kept the other's name
    pass


def undeclared(event, uow):
    pass


def settings() -> Settings:
    # Nothing listens there: a worker that fails its checks must fail before connecting.
    return Settings(service="goals", mongo_url="mongodb://127.0.0.1:1/", amqp_url="memory://")


def test_merge_concatenates_each_events_handlers_in_order():
    merged = merge({"SchoolUpdated": [first]}, {"SchoolUpdated": [second], "StudentUpdated": [first]})
    assert merged == {"SchoolUpdated": [first, second], "StudentUpdated": [first]}


def test_merge_refuses_a_handler_listed_twice_for_one_event():
    with pytest.raises(WiringError, match="test.first.*SchoolUpdated"):
        merge({"SchoolUpdated": [first]}, {"SchoolUpdated": [first]})
    with pytest.raises(WiringError, match="listed twice"):
        merge({"SchoolUpdated": [first]}, {"SchoolUpdated": [impostor]})


@pytest.mark.parametrize("table, message", [
    ({"SchoolUpdated": [first, first]}, "'test.first' listed twice for SchoolUpdated"),
    ({"SchoolUpdated": [first], "SchoolUpdated.v1": [first]}, "'test.first' listed twice"),
    ({"SchoolUpdated": [undeclared]}, "undeclared of SchoolUpdated has no declared name"),
    ({"SchoolUpdated": [first], "StudentUpdated": [impostor]}, "two handlers named 'test.first'"),
    ({"SchoolUpdatd": [first]}, "unknown event 'SchoolUpdatd'"),
    ({"SchoolUpdated": first}, "not a list"),
    ([("SchoolUpdated", [first])], "not a dict"),
])
def test_a_bad_handler_table_fails_naming_the_service_and_the_entry(table, message):
    with pytest.raises(WiringError, match="service 'goals'") as raised:
        check_handlers("goals", table)
    assert message in str(raised.value)


def test_the_dispatcher_refuses_an_undeclared_handler():
    store = Store("mongodb://127.0.0.1:1/", "t_unused", service="goals")
    with pytest.raises(WiringError, match="has no declared name"):
        Dispatcher(store, {"SchoolUpdated": [undeclared]})


@pytest.mark.parametrize("parts, message", [
    ({"handlers": "services.goals.entrypoints.handlers:HANDLER"}, "service 'goals': handlers services.goals.entrypoints.handlers:HANDLER: "
                                                      "services.goals.entrypoints.handlers has no HANDLER"),
    ({"handlers": "services.goals.handler:HANDLERS"}, "no module services.goals.handler"),
    ({"timers": "services.goals.entrypoints.handlers:TIMERS"}, "timers services.goals.entrypoints.handlers:TIMERS"),
    ({"engines": "services.goals.entrypoints.handlers:ENGINES"}, "engines services.goals.entrypoints.handlers:ENGINES"),
])
def test_a_worker_with_a_missing_table_does_not_start(parts, message):
    defn = ServiceDefinition.declare("goals", blueprints="services.goals.entrypoints.http:blueprints", **parts)
    with pytest.raises(WiringError) as raised:
        Worker(defn, settings())
    assert message in str(raised.value)


def test_a_worker_with_a_duplicate_handler_does_not_start():
    defn = ServiceDefinition(name="goals", blueprints=list, handlers=lambda: {"SchoolUpdated": [first, first]})
    with pytest.raises(WiringError, match="listed twice"):
        Worker(defn, settings(), consume=False)  # checked even when it would not consume


def test_a_missing_blueprint_list_fails_the_web_app():
    defn = ServiceDefinition.declare("goals", blueprints="services.goals.entrypoints.http:blueprint")
    with pytest.raises(WiringError, match="blueprints services.goals.entrypoints.http:blueprint"):
        defn.blueprints()


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_definition_holds_together(name):
    defn = importlib.import_module(f"services.{name}").SERVICE
    assert defn.name == name
    assert defn.blueprints()
    table = defn.handler_table()
    defn.timer_table()
    names = {h.confer_handler_name for fns in table.values() for h in fns}
    assert names == DECLARED[name] | (ROSTER_PROJECTION if name not in ("reports", "roster") else set())
    # every handler was known by its module path before: those ledger entries move over
    renames = ledger_renames(name, table)
    assert set(renames.values()) == names
    assert all(old.startswith("services.") for old in renames)


def test_two_handlers_claiming_one_former_key_are_refused():
    a = handler("test.a", formerly="services.x.on_a")(lambda event, uow: None)
    b = handler("test.b", formerly="services.x.on_a")(lambda event, uow: None)
    with pytest.raises(WiringError, match="both were 'services.x.on_a'"):
        ledger_renames("goals", {"SchoolUpdated": [a], "StudentUpdated": [b]})


def test_a_handler_renamed_twice_moves_both_former_keys():
    h = handler("test.now", formerly=("services.x.on_a", "test.then"))(lambda event, uow: None)
    assert ledger_renames("goals", {"SchoolUpdated": [h]}) == {"services.x.on_a": "test.now", "test.then": "test.now"}
