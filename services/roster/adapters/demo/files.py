"""Render the demo district (services.roster.adapters.demo.district) as OneRoster 1.1 or 1.2 CSV files:
UTF-8 without BOM, CRLF line ends (RFC 4180), bulk mode."""
from __future__ import annotations

import csv
import io

from services.roster.adapters.demo import names as N
from services.roster.adapters.demo.names import DISTRICT_ID, SESSION

STAMP = "2026-08-01T07:00:00.000Z"
COMMON = ["sourcedId", "status", "dateLastModified"]
ORGS = COMMON + ["name", "type", "identifier", "parentSourcedId", "metadata.timezone",
                 "metadata.languages"]
SESSIONS = COMMON + ["title", "type", "startDate", "endDate", "parentSourcedId",
                     "schoolYear"]
COURSES = COMMON + ["schoolYearSourcedId", "title", "courseCode", "grades",
                    "orgSourcedId", "subjects", "subjectCodes"]
CLASSES = COMMON + ["title", "grades", "courseSourcedId", "classCode", "classType",
                    "location", "schoolSourcedId", "termSourcedIds", "subjects",
                    "subjectCodes", "periods"]
ENROLLMENTS = COMMON + ["classSourcedId", "schoolSourcedId", "userSourcedId", "role",
                        "primary", "beginDate", "endDate"]
USERS_11 = COMMON + ["enabledUser", "orgSourcedIds", "role", "username", "userIds",
                     "givenName", "familyName", "middleName", "identifier", "email",
                     "sms", "phone", "agentSourcedIds", "grades", "password"]
USERS_12 = COMMON + ["enabledUser", "username", "userIds", "givenName", "familyName",
                     "middleName", "identifier", "email", "sms", "phone",
                     "agentSourcedIds", "grades", "password", "userMasterIdentifier",
                     "resourceSourcedIds", "preferredGivenName", "preferredMiddleName",
                     "preferredFamilyName", "primaryOrgSourcedId", "pronouns"]
USER_EXTRAS = ["metadata.preferredLanguage", "metadata.household"]
ROLES = COMMON + ["userSourcedId", "roleType", "role", "beginDate", "endDate",
                  "orgSourcedId", "userProfileSourcedId"]
ROLE_11 = {"districtAdministrator": "administrator", "principal": "administrator"}
ABSENT = ("categories", "classResources", "courseResources", "demographics",
          "lineItems", "resources", "results")


def _csv(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, restval="", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({"status": "active", "dateLastModified": STAMP, **row})
    return buffer.getvalue().encode("utf-8")


def _course_id(grade: str) -> str:
    return f"crs-homeroom-{grade}"


def render(district, version: str) -> dict[str, bytes]:
    files = {"orgs.csv": _csv(ORGS, [
        {"sourcedId": DISTRICT_ID, "name": N.DISTRICT_NAME, "type": "district",
         "identifier": "CUSD", "metadata.timezone": "America/Los_Angeles",
         "metadata.languages": "en;es"},
        *({"sourcedId": s["sourcedId"], "name": s["name"], "type": "school",
           "identifier": s["identifier"], "parentSourcedId": DISTRICT_ID,
           "metadata.timezone": s["timezone"],
           "metadata.languages": ";".join(s["languages"])} for s in district.schools)])}
    files["academicSessions.csv"] = _csv(SESSIONS, [SESSION])
    files["courses.csv"] = _csv(COURSES, (
        {"sourcedId": _course_id(g), "schoolYearSourcedId": SESSION["sourcedId"],
         "title": f"{N.GRADE_LABELS[g]} Homeroom", "courseCode": f"HR-{g}",
         "grades": g, "orgSourcedId": DISTRICT_ID} for g in N.GRADES))
    files["classes.csv"] = _csv(CLASSES, (
        {"sourcedId": c["sourcedId"], "title": c["title"], "grades": c["grade"],
         "courseSourcedId": _course_id(c["grade"]), "classCode": c["sourcedId"].upper(),
         "classType": "homeroom", "schoolSourcedId": c["school"],
         "termSourcedIds": SESSION["sourcedId"]} for c in district.classes))
    files["enrollments.csv"] = _csv(ENROLLMENTS, _enrollments(district))
    people = [*district.admins, *district.teachers, *district.students,
              *district.guardians]
    if version == "1.1":
        files["users.csv"] = _csv(USERS_11 + USER_EXTRAS, (
            {**_user(p), "orgSourcedIds": ",".join(p["orgs"]),
             "role": ROLE_11.get(p["role"], p["role"])} for p in people))
    else:
        files["users.csv"] = _csv(USERS_12 + USER_EXTRAS, (
            {**_user(p), "preferredGivenName": p.get("preferred") or "",
             "primaryOrgSourcedId": p["orgs"][0]} for p in people))
        files["roles.csv"] = _csv(ROLES, (
            {"sourcedId": f"role-{p['sourcedId']}-{i}", "userSourcedId": p["sourcedId"],
             "roleType": "primary" if i == 0 else "secondary", "role": p["role"],
             "orgSourcedId": org} for p in people for i, org in enumerate(p["orgs"])))
    return {"manifest.csv": _manifest(version, files), **files}


def _user(p: dict) -> dict:
    return {"sourcedId": p["sourcedId"], "enabledUser": "true",
            "username": p["email"].split("@")[0], "givenName": p["givenName"],
            "familyName": p["familyName"], "identifier": p["sourcedId"].upper(),
            "email": p["email"], "sms": p.get("sms", ""), "phone": p.get("phone", ""),
            "agentSourcedIds": ",".join(p["agents"]), "grades": ",".join(p["grades"]),
            "metadata.preferredLanguage": p["language"],
            "metadata.household": p.get("household", "")}


def _enrollments(district):
    n = 0
    by_class: dict[str, list[dict]] = {}
    for student in district.students:
        by_class.setdefault(student["class"], []).append(student)
    for c in district.classes:
        members = [(c["teacher"], "teacher", "true")] + [
            (s["sourcedId"], "student", "false") for s in by_class.get(c["sourcedId"], [])]
        for user_id, role, primary in members:
            n += 1
            yield {"sourcedId": f"enr-{n:06d}", "classSourcedId": c["sourcedId"],
                   "schoolSourcedId": c["school"], "userSourcedId": user_id,
                   "role": role, "primary": primary}


def _manifest(version: str, files: dict) -> bytes:
    rows = [("manifest.version", "1.0"), ("oneroster.version", version)]
    names = sorted({n[:-4] for n in files} | set(ABSENT) |
                   ({"roles", "userProfiles"} if version == "1.2" else set()),
                   key=str.lower)
    rows += [(f"file.{n}", "bulk" if f"{n}.csv" in files else "absent") for n in names]
    rows += [("source.systemName", "Confer demo SIS"), ("source.systemCode", "confer-demo")]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["propertyName", "value"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
