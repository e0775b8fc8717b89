"""Goal use cases: check a draft, create, change, submit, move status. Each write is one
unit of work (the goal, and the events it causes, in one transaction)."""
from __future__ import annotations

import uuid

from services.access import READ, WRITE
from services.common.errors import Conflict, NotFound
from services.common.guards import require_role
from services.goals.application import access
from services.goals.application.access import authorize, domain_errors, feedback_out, school_today
from services.goals.settings import GoalsConfig
from services.goals.domain import (
    ACTIVE_STATUSES, Goal, GoalStatus, allowed_moves, can_submit, carry_forward, check_goal, revise, submit, transition,
)
from services.goals.adapters.repository import (
    GOALS, active_count, goal_fields, goal_from_doc, goals_of, load_goal, plain, plan_from_doc, scope,
)
from services.goals.domain.texts import T, request_lang, say

PLAN_KEYS = ("statement", "focus", "term", "specific_actions", "trackable", "achievable_reasons",
             "target_date", "supports")


def plan_from_body(body: dict, base=None):
    merged = plain(base) if base is not None else {}
    merged.update({k: plain(body[k]) for k in PLAN_KEYS if k in body})
    return plan_from_doc(merged)


def goal_view(goal: Goal, doc: dict, role: str, today, others_active: int, cfg: GoalsConfig) -> dict:
    editable = goal.status in (GoalStatus.DRAFT, GoalStatus.REVISED)
    feedback = check_goal(goal, today, others_active, cfg.max_active_goals) if editable else []
    out = plain(goal, json=True)
    out.update(next_steps=doc.get("next_steps"), feedback=feedback_out(feedback),
               can_submit=editable and can_submit(feedback),
               allowed_moves=[m.value for m in allowed_moves(goal.status, role)])
    return out


def emit_goal_events(uow, record, goal: Goal, *, created: bool = False, achieved_on=None,
                     next_steps: str | None = None) -> None:
    base = {"goal_id": goal.goal_id, "student_id": goal.student_id, "school_id": record.school_id}
    target = goal.plan.target_date.isoformat() if goal.plan.target_date else None
    if created:
        uow.emit("GoalCreated", {**base, "cycle": goal.cycle, "focus_kind": goal.plan.focus.kind.value,
                                 "term": goal.plan.term.value, "status": goal.status.value,
                                 "target_date": target, "set_by": goal.set_by.value}, subject=goal.goal_id)
    else:
        uow.emit("GoalUpdated", {**base, "status": goal.status.value, "revision": len(goal.revisions),
                                 "target_date": target}, subject=goal.goal_id)
    if achieved_on is not None:
        uow.emit("GoalAchieved", {**base, "achieved_on": achieved_on.isoformat()}, subject=goal.goal_id)
    plan = plain(goal.plan, json=True)
    uow.emit("GoalContentChanged", {
        **base, "statement": goal.plan.statement, "focus": plan.pop("focus"), "term": goal.plan.term.value,
        "status": goal.status.value, "supports": plan.pop("supports"),
        "plan": {k: v for k, v in plan.items() if k not in ("statement", "term")}, "next_steps": next_steps,
        "set_by": goal.set_by.value,
    }, subject=goal.goal_id)


def save_goal(uow, record, goal: Goal, doc: dict | None = None, **extra) -> dict:
    now = uow.now
    if doc is None:
        doc = {"_id": goal.goal_id, **scope(record), **goal_fields(goal), "created_at": now, "updated_at": now,
               "version": 1, **extra}
        uow.db[GOALS].insert_one(doc, session=uow.session)
        return doc
    changes = {**goal_fields(goal), **scope(record), "updated_at": now, **extra}
    uow.db[GOALS].update_one({"_id": goal.goal_id}, {"$set": changes, "$inc": {"version": 1}}, session=uow.session)
    return {**doc, **changes}


def check_draft(store, principal, cfg: GoalsConfig, body: dict) -> dict:
    """Quality feedback for a draft that is not saved."""
    cycle = cfg.cycle(body.get("cycle"))
    record = authorize(store.db, principal, body["student_id"], WRITE)
    require_role(principal, "student", "teacher")
    goal = Goal(body.get("goal_id") or "draft", record.student_id, cfg.school_year(cycle), cycle, plan_from_body(body))
    others = active_count(store.db, record, cycle, exclude=body.get("goal_id"))
    feedback = check_goal(goal, school_today(store.db, record, store.clock()), others, cfg.max_active_goals)
    return {"feedback": feedback_out(feedback), "can_submit": can_submit(feedback)}


def create_goal(store, principal, cfg: GoalsConfig, student_id: str, body: dict) -> dict:
    cycle = cfg.cycle(body.get("cycle"))

    def work(uow):
        record = authorize(uow.db, principal, student_id, WRITE, session=uow.session)
        require_role(principal, "student")
        with domain_errors():
            goal = Goal(str(uuid.uuid4()), record.student_id, cfg.school_year(cycle), cycle, plan_from_body(body))
        doc = save_goal(uow, record, goal, created_by=principal.sub)
        emit_goal_events(uow, record, goal, created=True)
        return record, goal, doc

    record, goal, doc = store.atomic(work, district_id=principal.district_id)
    return _view(store, principal, cfg, record, goal, doc)


def delete_draft(store, principal, cfg, goal_id: str) -> None:
    """A draft goal is its author's to throw away (a shared goal never is): 404 for
    anyone else, 409 once it has been shared."""
    def work(uow):
        record, doc, goal = load_authorized(uow.db, principal, goal_id, WRITE, session=uow.session)
        if doc.get("created_by", record.student_id) != principal.sub:
            raise NotFound(f"No goal {goal_id}.", code="goal_not_found")
        if goal.status != GoalStatus.DRAFT:
            raise Conflict(say(T("Only a draft can be deleted; this goal is already shared."), request_lang()),
                           code="goal_not_draft")
        res = uow.db[GOALS].delete_one({"_id": goal_id, "status": GoalStatus.DRAFT.value}, session=uow.session)
        if res.deleted_count != 1:
            raise Conflict(say(T("Only a draft can be deleted; this goal is already shared."), request_lang()),
                           code="goal_not_draft")
        uow.emit("GoalDeleted", {"goal_id": goal_id, "student_id": record.student_id, "school_id": record.school_id},
                 subject=goal_id)

    store.atomic(work, district_id=principal.district_id)


def _view(store, principal, cfg, record, goal, doc) -> dict:
    others = active_count(store.db, record, goal.cycle, exclude=goal.goal_id)
    return goal_view(goal, doc, principal.role, school_today(store.db, record, store.clock()), others, cfg)


def load_authorized(db, principal, goal_id, action, session=None):
    doc = load_goal(db, goal_id, principal, session=session)
    if doc is None:
        raise NotFound(f"No goal {goal_id}.", code="goal_not_found")
    try:
        record = authorize(db, principal, doc["student_id"], action, session=session)
    except NotFound:
        raise NotFound(f"No goal {goal_id}.", code="goal_not_found") from None
    return record, doc, goal_from_doc(doc)


def get_goal(store, principal, cfg, goal_id: str) -> dict:
    record, doc, goal = load_authorized(store.db, principal, goal_id, READ)
    access.audit(store, principal, record, "goal", resource_id=goal_id, cycle=goal.cycle)
    return _view(store, principal, cfg, record, goal, doc)


def list_goals(store, principal, cfg, student_id: str, cycle: str | None) -> dict:
    """The goals of `cycle`; without one, those of the default cycle and every goal still
    open in another (a goal agreed at a conference in the next cycle, say the family's
    goals from a winter conference, is what the child checks in on now)."""
    asked, cycle = cycle, cfg.cycle(cycle)
    record = authorize(store.db, principal, student_id, READ)
    if asked:
        docs = goals_of(store.db, record, cycle=cycle)
    else:
        docs = [d for d in goals_of(store.db, record)
                if d["cycle"] == cycle or GoalStatus(d["status"]) in ACTIVE_STATUSES]
    access.audit(store, principal, record, "goals", cycle=cycle)
    today = school_today(store.db, record, store.clock())
    goals = [goal_from_doc(d) for d in docs]
    active = sum(1 for g in goals if g.is_active)
    return {"cycle": cycle, "goals": [goal_view(g, d, principal.role, today, active - g.is_active, cfg)
                                      for g, d in zip(goals, docs)]}


def _change(store, principal, cfg, goal_id, change) -> dict:
    """Load, apply `change(uow, record, goal, doc) -> (goal, extra)`, save, emit."""
    def work(uow):
        record, doc, goal = load_authorized(uow.db, principal, goal_id, WRITE, session=uow.session)
        with domain_errors():
            new, extra = change(uow, record, goal, doc)
        if new == goal and not extra:
            return record, goal, doc
        saved = save_goal(uow, record, new, doc, **extra)
        achieved = school_today(uow.db, record, uow.now, uow.session) if (
            new.status == GoalStatus.ACHIEVED and goal.status != GoalStatus.ACHIEVED) else None
        emit_goal_events(uow, record, new, achieved_on=achieved, next_steps=saved.get("next_steps"))
        return record, new, saved

    record, goal, doc = store.atomic(work, district_id=principal.district_id)
    return _view(store, principal, cfg, record, goal, doc)


def patch_goal(store, principal, cfg, goal_id: str, body: dict) -> dict:
    def change(uow, record, goal, doc):
        plan = plan_from_body(body, goal.plan)
        return revise(goal, plan, principal.role, uow.now, reason=body.get("reason", ""), actor_id=principal.sub), {}

    return _change(store, principal, cfg, goal_id, change)


def submit_goal(store, principal, cfg, goal_id: str) -> dict:
    def change(uow, record, goal, doc):
        today = school_today(uow.db, record, uow.now, uow.session)
        others = active_count(uow.db, record, goal.cycle, exclude=goal.goal_id, session=uow.session)
        return submit(goal, principal.role, uow.now, today=today, active_goal_count=others,
                      max_active=cfg.max_active_goals, actor_id=principal.sub), {}

    return _change(store, principal, cfg, goal_id, change)


def set_status(store, principal, cfg, goal_id: str, body: dict) -> dict:
    next_cycle = cfg.cycle(body["next_cycle"]) if body.get("next_cycle") else None

    def change(uow, record, goal, doc):
        moved = transition(goal, body["status"], principal.role, uow.now, actor_id=principal.sub, note=body["note"])
        extra = {"next_steps": body["next_steps"]} if body.get("next_steps") is not None else {}
        if next_cycle and moved.status == GoalStatus.CARRIED_OVER:
            copy = carry_forward(moved, str(uuid.uuid4()), next_cycle, cfg.school_year(next_cycle))
            save_goal(uow, record, copy, created_by=principal.sub)
            emit_goal_events(uow, record, copy, created=True)
            extra["carried_to"] = copy.goal_id
        return moved, extra

    return _change(store, principal, cfg, goal_id, change)
