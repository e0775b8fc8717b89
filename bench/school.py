"""The school both scheduling benchmarks (booking.py, rush.py) book in: ten teachers
co-teaching one class, a guardian per child, dev tokens, and a keep-alive HTTP client."""
from __future__ import annotations

import http.client
import json

from services.common.auth import mint
from services.common.config import DEV_JWT_SECRET
from services.common.testing import make_envelope, run_handler

TEACHERS = [f"t-{i}" for i in range(10)]


def token(role, sub, schools=("s-1",)):
    return mint(DEV_JWT_SECRET, sub=sub, role=role, district_id="d-1", school_ids=schools, ttl=7200)


def seed(store, n_students: int, name: str = "Bench Elementary") -> None:
    """School s-1; every child is in a co-taught class of all ten teachers (so any slot
    fits any child) with a guardian of their own."""
    envs = [make_envelope("SchoolUpdated", {"school_id": "s-1", "name": name,
                                            "time_zone": "America/Chicago", "languages": ["en"], "active": True})]
    for i in range(n_students):
        envs.append(make_envelope("StudentEnrolled", {"student_id": f"st-{i}", "school_id": "s-1", "class_id": "c-1",
                                                      "teacher_ids": TEACHERS, "grade": "04",
                                                      "school_year": "2026-2027"}))
        envs.append(make_envelope("GuardianLinked", {"guardian_id": f"g-{i}", "student_id": f"st-{i}",
                                                     "school_id": "s-1"}))
    from services.scheduling.entrypoints.handlers import HANDLERS

    for env in envs:
        run_handler(store, HANDLERS, env)


class Http:
    """One keep-alive connection per client thread (lighter than requests, like pymongo)."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method: str, path: str, auth: str, body=None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {auth}", "Content-Type": "application/json"}
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                return resp.status, (json.loads(raw) if raw else {})
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        raise RuntimeError("unreachable")
