"""Every link a message carries, built in one place, from routes the portal really has.

A message (e-mail, SMS, in-app) links to the portal page where its recipient acts:
book, see or change a booking, send the parent input form, check in on goals, read the
report, choose preferences; a teacher's updates link to the agenda or the packet. The
paths here are the portal's (tests/unit/portal checks each one against the portal's
URL map); the notifications service makes them absolute with CONFER_PUBLIC_URL, the
portal's address (http://127.0.0.1:8000 in development). A page that needs a signed-in
person sends them through sign-in and back, so every link works from a cold start.
"""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import quote, urlencode

DEV_PORTAL_URL = "http://127.0.0.1:8000"  # what `confer dev` serves


def _id(value: str) -> str:
    return quote(str(value), safe="")


def _query(path: str, **params) -> str:
    params = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(params)}" if params else path


# -- families -------------------------------------------------------------------------
def family_home() -> str:
    """The children, what to book, conferences and check-ins due."""
    return "/family/"


def book(window_id: str) -> str:
    return f"/family/windows/{_id(window_id)}/book"


def booking(booking_id: str, *, join: bool = False) -> str:
    """The booking: when and where, change or cancel, add to calendar, join a video call."""
    path = f"/family/bookings/{_id(booking_id)}"
    return f"{path}#join" if join else path


def parent_input(student_id: str) -> str:
    return f"/family/children/{_id(student_id)}/input"


def family_checkin(student_id: str) -> str:
    return f"/family/children/{_id(student_id)}/check-in"


def family_goals(student_id: str, goal_id: str | None = None) -> str:
    path = f"/family/children/{_id(student_id)}/goals"
    return f"{path}#goal-{goal_id}" if goal_id else path


def family_report(student_id: str, period: str | None = None) -> str:
    return _query(f"/family/children/{_id(student_id)}/report", period=period)


# -- students ---------------------------------------------------------------------------
def student_checkin() -> str:
    return "/student/check-in"


def student_goals() -> str:
    return "/student/goals"


# -- teachers ---------------------------------------------------------------------------
def teacher_home() -> str:
    return "/teacher/"


def agenda(window_id: str, day: date | datetime | str | None = None) -> str:
    if isinstance(day, datetime):
        day = day.date()
    return _query(f"/teacher/windows/{_id(window_id)}/agenda", date=str(day) if day else None)


def packet(student_id: str, section: str | None = None) -> str:
    path = f"/teacher/students/{_id(student_id)}/packet"
    return f"{path}#{section}" if section else path


def follow_ups() -> str:
    return "/teacher/follow-ups"


# -- everyone -------------------------------------------------------------------------
def preferences() -> str:
    return "/preferences"


def inbox() -> str:
    return "/inbox"


def home() -> str:
    return "/"
