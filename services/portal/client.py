"""Every call the portal makes to the other services, in one place (backend-for-frontend).

Each call carries the signed-in person's bearer token, so the services apply their own
access rules; the portal never decides who may see a child. Errors come back as
`ApiError` with the service's problem+json (RFC 9457); an unreachable service is
`ServiceDown`. When a service API changes, only this module changes.
"""
from __future__ import annotations

import threading

import requests

from services.common import logs

_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread (requests.Session is not thread-safe)."""
    if getattr(_local, "session", None) is None:
        _local.session = requests.Session()
    return _local.session


def _page_language() -> str | None:
    from flask import has_request_context

    if not has_request_context():
        return None
    from services.portal.i18n import current_lang

    return current_lang()


class ApiError(Exception):
    def __init__(self, status: int, problem: dict | None = None, service: str = ""):
        self.status, self.problem, self.service = status, problem or {}, service
        super().__init__(f"{service} {status}: {self.detail}")

    @property
    def code(self) -> str | None:
        return self.problem.get("code")

    @property
    def detail(self) -> str:
        return self.problem.get("detail") or self.problem.get("title") or ""

    def field_errors(self) -> dict[str, list[str]]:
        """problem `errors` ([{field, message}] or {field: [msg]}) as {field: [messages]}."""
        raw = self.problem.get("errors") or []
        out: dict[str, list[str]] = {}
        if isinstance(raw, dict):
            for key, msgs in raw.items():
                out.setdefault(key, []).extend(msgs if isinstance(msgs, list) else [str(msgs)])
        else:
            for item in raw:
                if isinstance(item, dict):
                    key = item.get("field") or (f"{item.get('file')}:{item.get('line')}" if item.get("file") else "_")
                    out.setdefault(key, []).append(item.get("message") or item.get("reason") or "")
        return out


class ServiceDown(ApiError):
    def __init__(self, service: str, reason: str):
        super().__init__(503, {"title": "Service unavailable", "detail": reason}, service)


class Api:
    """The services, as the signed-in person sees them."""

    def __init__(self, urls: dict, token: str | None, *, timeout: float = 15.0, correlation_id: str | None = None):
        self.urls, self.token, self.timeout, self.correlation_id = urls, token, timeout, correlation_id

    # -- plumbing ---------------------------------------------------------------
    def _request(self, method: str, service: str, path: str, *, raw: bool = False, **kw):
        headers = kw.pop("headers", {})
        lang = _page_language()
        if lang:  # the services answer in the page's language (goal feedback, questions, errors)
            headers.setdefault("Accept-Language", lang)
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        cid = self.correlation_id or logs.current_correlation_id()
        if cid:
            headers["X-Correlation-ID"] = cid
        try:
            resp = _session().request(method, self.urls[service] + path, headers=headers,
                                      timeout=kw.pop("timeout", self.timeout), **kw)
        except requests.RequestException as exc:
            raise ServiceDown(service, type(exc).__name__) from None
        if resp.status_code >= 400:
            try:
                problem = resp.json()
            except ValueError:
                problem = {"title": resp.reason, "detail": resp.text[:200]}
            if resp.status_code == 503:
                raise ServiceDown(service, problem.get("detail") or "unavailable")
            raise ApiError(resp.status_code, problem if isinstance(problem, dict) else {}, service)
        if raw:
            return resp
        if resp.status_code == 204 or not resp.content:
            return None
        return resp.json()

    def get(self, service, path, **params):
        return self._request("GET", service, path, params={k: v for k, v in params.items() if v is not None})

    def post(self, service, path, body=None, **kw):
        return self._request("POST", service, path, json=body if body is not None else {}, **kw)

    # -- roster -------------------------------------------------------------------
    def me(self) -> dict:
        return self.get("roster", "/me")

    def schools(self) -> list[dict]:
        return self.get("roster", "/schools", limit=200)["items"]

    def school_classes(self, school_id: str) -> list[dict]:
        return self.get("roster", f"/schools/{school_id}/classes", limit=200)["items"]

    def teacher_students(self, teacher_id: str) -> list[dict]:
        return self.get("roster", f"/teachers/{teacher_id}/students", limit=200)["items"]

    def guardian_children(self, guardian_id: str) -> list[dict]:
        return self.get("roster", f"/guardians/{guardian_id}/children", limit=200)["items"]

    def student(self, student_id: str) -> dict:
        return self.get("roster", f"/students/{student_id}")

    def school_people(self, school_id: str) -> dict:
        return self.get("roster", f"/schools/{school_id}/people")

    def learning(self, student_id: str, as_of: str | None = None) -> dict:
        """The student's own results per standard over time, strengths, areas to grow and
        goal starters (the roster answers 404 for anyone who may not see the child)."""
        return self.get("roster", f"/students/{student_id}/learning", as_of=as_of)

    def data_talks(self, student_id: str) -> list[dict]:
        return self.get("roster", f"/students/{student_id}/data-talks")["items"]

    def record_data_talk(self, student_id: str, body: dict) -> dict:
        return self.post("roster", f"/students/{student_id}/data-talks", body)

    def import_roster(self, filename: str, stream, partial: bool) -> tuple[int, dict]:
        """(status, body): 201/200 with the summary; 422 raises ApiError with the row errors."""
        resp = self._request("POST", "roster", "/imports", raw=True, timeout=max(self.timeout, 300),
                             files={"file": (filename or "bundle.zip", stream, "application/zip")},
                             data={"partial": "true" if partial else "false"})
        return resp.status_code, resp.json()

    def import_gradebook(self, filename: str, stream, partial: bool) -> tuple[int, dict]:
        """A plain results CSV (student, standard, date, score, scale[, title]); like import_roster."""
        resp = self._request("POST", "roster", "/imports/gradebook", raw=True, timeout=max(self.timeout, 300),
                             files={"file": (filename or "results.csv", stream, "text/csv")},
                             data={"partial": "true" if partial else "false"})
        return resp.status_code, resp.json()

    # -- goals --------------------------------------------------------------------
    def check_goal(self, student_id: str, plan: dict, goal_id: str | None = None) -> dict:
        return self.post("goals", "/goals/check", {**plan, "student_id": student_id,
                                                   **({"goal_id": goal_id} if goal_id else {})})

    def goals(self, student_id: str, cycle: str | None = None) -> dict:
        return self.get("goals", f"/students/{student_id}/goals", cycle=cycle)

    def goal(self, goal_id: str) -> dict:
        return self.get("goals", f"/goals/{goal_id}")

    def create_goal(self, student_id: str, plan: dict) -> dict:
        return self.post("goals", f"/students/{student_id}/goals", plan)

    def update_goal(self, goal_id: str, changes: dict) -> dict:
        return self._request("PATCH", "goals", f"/goals/{goal_id}", json=changes)

    def delete_goal(self, goal_id: str) -> None:
        return self._request("DELETE", "goals", f"/goals/{goal_id}")

    def submit_goal(self, goal_id: str) -> dict:
        return self.post("goals", f"/goals/{goal_id}/submit")

    def set_goal_status(self, goal_id: str, status: str, note: str = "") -> dict:
        return self.post("goals", f"/goals/{goal_id}/status", {"status": status, "note": note})

    def add_checkin(self, goal_id: str, body: dict) -> dict:
        return self.post("goals", f"/goals/{goal_id}/checkins", body)

    def checkins(self, goal_id: str) -> dict:
        return self.get("goals", f"/goals/{goal_id}/checkins")

    def follow_ups(self, student_id: str) -> list[dict]:
        return self.get("goals", f"/students/{student_id}/follow-ups")["follow_ups"]

    def follow_ups_due(self, status: str = "open") -> list[dict]:
        """A teacher's (or an admin's schools') follow-ups, by due date."""
        return self.get("goals", "/follow-ups", status=status)["follow_ups"]

    def self_assessment(self, student_id: str) -> dict | None:
        return self._maybe(lambda: self.get("goals", f"/students/{student_id}/self-assessment"))

    def save_self_assessment(self, student_id: str, body: dict) -> dict:
        return self.post("goals", f"/students/{student_id}/self-assessment", body)

    def reflection_questions(self, student_id: str) -> dict:
        return self.get("goals", f"/students/{student_id}/reflection-questions")

    def reflections(self, student_id: str) -> dict | None:
        return self._maybe(lambda: self.get("goals", f"/students/{student_id}/reflections"))

    def save_reflections(self, student_id: str, answers: dict) -> dict:
        return self.post("goals", f"/students/{student_id}/reflections", {"answers": answers})

    def parent_input(self, student_id: str) -> list[dict]:
        found = self._maybe(lambda: self.get("goals", f"/students/{student_id}/parent-input"))
        return found["parent_input"] if found else []

    def save_parent_input(self, student_id: str, body: dict) -> dict:
        return self.post("goals", f"/students/{student_id}/parent-input", body)

    def add_private_note(self, student_id: str, text: str) -> dict:
        return self.post("goals", f"/students/{student_id}/private-notes", {"text": text})

    def packet(self, student_id: str) -> dict:
        return self.get("goals", f"/students/{student_id}/packet")

    def evidence(self, student_id: str) -> list[dict]:
        return self.get("goals", f"/students/{student_id}/evidence")["evidence"]

    def add_evidence_link(self, student_id: str, body: dict) -> dict:
        return self.post("goals", f"/students/{student_id}/evidence", body)

    def upload_evidence(self, student_id: str, upload, fields: dict) -> dict:
        files = {"file": (upload.filename, upload.stream, upload.mimetype or "application/octet-stream")}
        data = {k: v for k, v in fields.items() if v not in (None, "")}
        return self._request("POST", "goals", f"/students/{student_id}/evidence/files", files=files, data=data)

    def evidence_file(self, evidence_id: str) -> requests.Response:
        return self._request("GET", "goals", f"/evidence/{evidence_id}/file", raw=True, stream=True)

    # -- scheduling -----------------------------------------------------------------
    def windows(self, school_id: str) -> list[dict]:
        return self.get("scheduling", "/windows", school_id=school_id)

    def window(self, window_id: str) -> dict:
        return self.get("scheduling", f"/windows/{window_id}")

    def create_window(self, body: dict) -> dict:
        return self.post("scheduling", "/windows", body)

    def open_window(self, window_id: str) -> dict:
        return self.post("scheduling", f"/windows/{window_id}/open")

    def publish_availability(self, window_id: str, teacher_id: str, body: dict) -> dict:
        return self._request("PUT", "scheduling", f"/windows/{window_id}/availability/{teacher_id}", json=body)

    def slots(self, window_id: str, *, teacher_id=None, on=None, free: bool = False) -> list[dict]:
        return self.get("scheduling", f"/windows/{window_id}/slots", teacher_id=teacher_id, date=on,
                        free="true" if free else None)

    def book(self, window_id: str, body: dict) -> list[dict]:
        return self.post("scheduling", f"/windows/{window_id}/bookings", body)["bookings"]

    def bookings(self, window_id: str | None = None, status: str | None = None) -> list[dict]:
        return self.get("scheduling", "/bookings", window_id=window_id, status=status)["bookings"]

    def booking(self, booking_id: str) -> dict:
        return self.get("scheduling", f"/bookings/{booking_id}")

    def reschedule(self, booking_id: str, slot_id: str) -> dict:
        return self.post("scheduling", f"/bookings/{booking_id}/reschedule", {"slot_id": slot_id})

    def cancel(self, booking_id: str) -> dict:
        return self.post("scheduling", f"/bookings/{booking_id}/cancel")

    def record_outcome(self, booking_id: str, outcome: str, agreement: dict | None = None) -> dict:
        return self.post("scheduling", f"/bookings/{booking_id}/outcome", {"outcome": outcome, **(agreement or {})})

    def record_agreement(self, booking_id: str, body: dict) -> dict:
        return self.post("scheduling", f"/bookings/{booking_id}/agreement", body)

    def booking_calendar(self, booking_id: str) -> requests.Response:
        return self._request("GET", "scheduling", f"/bookings/{booking_id}/calendar.ics", raw=True)

    def calendar_feed(self, teacher_id: str) -> dict | None:
        return self._maybe(lambda: self.get("scheduling", f"/teachers/{teacher_id}/calendar-feed"))

    def new_calendar_feed(self, teacher_id: str) -> dict:
        return self.post("scheduling", f"/teachers/{teacher_id}/calendar-feed")

    def subscribed_feed(self, token: str) -> requests.Response:
        """A teacher's calendar behind its secret link (no bearer token: the link is the key)."""
        return self._request("GET", "scheduling", f"/feeds/{token}.ics", raw=True)

    def master_schedule(self, window_id: str, teacher_id: str | None = None) -> requests.Response:
        return self._request("GET", "scheduling", f"/windows/{window_id}/schedule.html", raw=True,
                             params={"teacher_id": teacher_id} if teacher_id else None)

    def agenda(self, window_id: str, teacher_id: str, on: str) -> list[dict]:
        return self.get("scheduling", f"/windows/{window_id}/teachers/{teacher_id}/agenda", date=on)

    # -- request windows (families say when they can come; the school assigns) -----------
    def conference_request(self, window_id: str, guardian_id: str) -> dict | None:
        """The family's request in a request window, None before they sent one."""
        return self._maybe(lambda: self.get("scheduling", f"/windows/{window_id}/requests/{guardian_id}"))

    def submit_request(self, window_id: str, guardian_id: str, body: dict) -> dict:
        return self._request("PUT", "scheduling", f"/windows/{window_id}/requests/{guardian_id}", json=body)

    def withdraw_request(self, window_id: str, guardian_id: str) -> dict:
        return self._request("DELETE", "scheduling", f"/windows/{window_id}/requests/{guardian_id}")

    def window_requests(self, window_id: str) -> list[dict]:
        return self.get("scheduling", f"/windows/{window_id}/requests")

    def priorities(self, window_id: str) -> list[dict]:
        return self.get("scheduling", f"/windows/{window_id}/priorities")

    def mark_priority(self, window_id: str, guardian_id: str, reason: str) -> dict:
        return self._request("PUT", "scheduling", f"/windows/{window_id}/priorities/{guardian_id}",
                             json={"reason": reason})

    def unmark_priority(self, window_id: str, guardian_id: str) -> None:
        return self._request("DELETE", "scheduling", f"/windows/{window_id}/priorities/{guardian_id}")

    def interpreters(self, window_id: str) -> list[dict]:
        return self.get("scheduling", f"/windows/{window_id}/interpreters")["interpreters"]

    def capacity(self, window_id: str) -> dict:
        return self.get("scheduling", f"/windows/{window_id}/capacity")

    def assignment(self, window_id: str) -> dict | None:
        """The proposed (or published) assignment, None before the first solve."""
        return self._maybe(lambda: self.get("scheduling", f"/windows/{window_id}/assignment"))

    def preview_assignment(self, window_id: str) -> dict:
        return self.post("scheduling", f"/windows/{window_id}/assignment/preview",
                         timeout=max(self.timeout, 120))  # the solve may take a while

    def pin_conference(self, window_id: str, student_id: str, slot_id: str) -> dict:
        return self._request("PUT", "scheduling", f"/windows/{window_id}/assignment/pins/{student_id}",
                             json={"slot_id": slot_id}, timeout=max(self.timeout, 120))

    def unpin_conference(self, window_id: str, student_id: str) -> dict:
        return self._request("DELETE", "scheduling", f"/windows/{window_id}/assignment/pins/{student_id}",
                             timeout=max(self.timeout, 120))

    def publish_assignment(self, window_id: str, version: int) -> dict:
        return self.post("scheduling", f"/windows/{window_id}/assignment/publish", {"version": version},
                         timeout=max(self.timeout, 300))  # books every family, one transaction each

    # -- notifications ----------------------------------------------------------------
    def inbox(self, unread: bool = False, limit: int = 50) -> list[dict]:
        return self.get("notifications", "/inbox", unread="true" if unread else None, limit=limit)

    def unread_count(self) -> int:
        return self.get("notifications", "/inbox/unread-count")["unread"]

    def mark_read(self, item_id: str) -> dict:
        return self.post("notifications", f"/inbox/{item_id}/read")

    def dev_inbox(self, limit: int = 200) -> list[dict]:
        """Development mode only: everyone's in-app messages."""
        return self.get("notifications", "/dev/inbox", limit=limit)

    def preferences(self) -> dict:
        return self.get("notifications", "/preferences")

    def save_preferences(self, body: dict) -> dict:
        return self._request("PUT", "notifications", "/preferences", json=body)

    def save_language(self, lang: str) -> dict:
        """The person's language for messages and the portal (overrides the roster's)."""
        prefs = self.preferences()
        body = {k: prefs[k] for k in ("opted_out", "quiet_start", "quiet_end", "digest") if k in prefs}
        return self._request("PUT", "notifications", "/preferences", json={**body, "language": lang})

    # -- reports --------------------------------------------------------------------
    def student_report(self, student_id: str, period: str, fmt: str = "html", lang: str | None = None):
        return self._request("GET", "reports", f"/students/{student_id}/reports/{period}", raw=True,
                             params={"format": fmt, **({"lang": lang} if lang else {})})

    def conference_summary(self, booking_id: str, lang: str | None = None):
        return self._request("GET", "reports", f"/conferences/{booking_id}/summary", raw=True,
                             params={"audience": "family", **({"lang": lang} if lang else {})})

    def dashboard(self, school_id: str | None, by: str | None = None, fmt: str = "json"):
        path = f"/dashboards/schools/{school_id}" if school_id else "/dashboards/district"
        params = {"format": fmt, **({"by": by} if by else {})}
        if fmt == "json":
            return self.get("reports", path, **params)
        return self._request("GET", "reports", path, raw=True, params=params)

    def create_report_job(self, period: str, school_id: str | None, fmt: str = "html") -> dict:
        return self.post("reports", "/report-jobs", {"period": period, "school_id": school_id, "format": fmt})

    def report_job(self, job_id: str) -> dict:
        return self.get("reports", f"/report-jobs/{job_id}")

    # -- helpers --------------------------------------------------------------------
    @staticmethod
    def _maybe(call):
        """None instead of a 404 (nothing written yet)."""
        try:
            return call()
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
