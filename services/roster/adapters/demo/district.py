"""A realistic, deterministic demo district as a OneRoster 1.1 / 1.2 CSV bundle.

    generate("var/demo", schools=10, students=5000)            # folder, OneRoster 1.1
    generate("var/demo.zip", version="1.2", as_zip=True)        # zip, OneRoster 1.2

One district, K-8 schools in several time zones, one school year, a homeroom teacher
per ~22 students, families of 1-3 students (about 15% with siblings, some across two
schools) with 1-2 guardians (some separated: two households), household languages
mostly en, ~25% es, a few vi / zh / so / ar. Same arguments, same bytes.
"""
from __future__ import annotations

import random
import unicodedata
import zipfile
from pathlib import Path

from services.roster.adapters.demo import names as N
from services.roster.adapters.demo.files import render
from services.roster.adapters.demo.names import DISTRICT_ID

STUDENTS_PER_TEACHER = 22
SIBLING_FAMILIES, SEPARATED, TWO_GUARDIANS = 0.15, 0.15, 0.75


def generate(out_path: str | Path, schools: int = 10, students: int = 5000,
             seed: int = 42, version: str = "1.1", as_zip: bool = False) -> dict:
    """Write the bundle; return counts (for the CLI to print)."""
    if version not in ("1.1", "1.2"):
        raise ValueError(f"version must be '1.1' or '1.2', not {version!r}")
    if schools < 1 or students < 0:
        raise ValueError("need at least one school and a non-negative student count")
    district = _District(random.Random(seed), schools, students)
    files = render(district, version)
    out = Path(out_path)
    if as_zip:
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in files.items():
                info = zipfile.ZipInfo(name, date_time=(2026, 8, 1, 0, 0, 0))
                info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
                archive.writestr(info, data)
    else:
        out.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (out / name).write_bytes(data)
    return {"path": str(out), "version": version, **district.counts()}


def _email(given: str, family: str, n: int, domain: str = "example.org") -> str:
    def slug(text: str) -> str:
        ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return "".join(c for c in ascii_.lower() if c.isalnum())
    return f"{slug(given)}.{slug(family)}.{n}@{domain}"


class _District:
    """The people and classes of the demo district, as plain dicts."""

    def __init__(self, rng: random.Random, schools: int, students: int):
        self.rng = rng
        self.schools, self.teachers, self.classes = [], [], []
        self.students, self.guardians, self.admins = [], [], []
        self.families = 0
        self._phone = 0
        for i in range(schools):
            place = N.SCHOOL_PLACES[i % len(N.SCHOOL_PLACES)]
            suffix = f" {i // len(N.SCHOOL_PLACES) + 1}" if i >= len(N.SCHOOL_PLACES) else ""
            self.schools.append({
                "sourcedId": f"sch-{i + 1:03d}", "identifier": f"{1001 + i}",
                "name": f"{place}{suffix} {N.SCHOOL_KINDS[i % len(N.SCHOOL_KINDS)]}",
                "timezone": N.TIME_ZONES[i % len(N.TIME_ZONES)], "languages": ["en"]})
        self._staff()
        pools = self._place(students)
        self._families(pools)
        self._school_languages()

    def counts(self) -> dict:
        return {"schools": len(self.schools), "students": len(self.students),
                "teachers": len(self.teachers), "guardians": len(self.guardians),
                "classes": len(self.classes), "families": self.families}

    def _person(self, prefix: str, n: int, lang: str) -> dict:
        given = self.rng.choice(N.GIVEN_NAMES[lang])
        family = self.rng.choice(N.FAMILY_NAMES[lang])
        return {"sourcedId": f"{prefix}-{n:06d}", "givenName": given,
                "familyName": family, "language": "en", "grades": [], "agents": [],
                "email": _email(given, family, n)}

    def _phone_number(self) -> str:
        self._phone += 1
        area = N.AREA_CODES[(self._phone // 10000) % len(N.AREA_CODES)]
        return f"+1{area}555{self._phone % 10000:04d}"

    def _staff(self) -> None:
        admin = self._person("adm", 1, "en")
        admin.update(role="districtAdministrator", orgs=[DISTRICT_ID])
        self.admins.append(admin)
        for n, school in enumerate(self.schools, start=2):
            principal = self._person("adm", n, "en")
            principal.update(role="principal", orgs=[school["sourcedId"]])
            self.admins.append(principal)

    def _place(self, students: int) -> list[list[dict]]:
        """Students spread evenly over schools and grades, each in a homeroom."""
        pools = []
        per_school = [students // len(self.schools) +
                      (i < students % len(self.schools)) for i in range(len(self.schools))]
        for school, count in zip(self.schools, per_school):
            pool = []
            for g, grade in enumerate(N.GRADES):
                n = count // len(N.GRADES) + (g < count % len(N.GRADES))
                homerooms = [self._homeroom(school, grade)
                             for _ in range(max(1, round(n / STUDENTS_PER_TEACHER)) if n else 0)]
                for k in range(n):
                    student = {"sourcedId": f"stu-{len(self.students) + 1:06d}",
                               "school": school["sourcedId"], "grade": grade,
                               "class": homerooms[k % len(homerooms)]}
                    self.students.append(student)
                    pool.append(student)
            self.rng.shuffle(pool)
            pools.append(pool)
        return pools

    def _homeroom(self, school: dict, grade: str) -> str:
        lang = "en" if self.rng.random() < 0.8 else "es"
        teacher = self._person("tch", len(self.teachers) + 1, lang)
        class_id = f"cls-{len(self.classes) + 1:05d}"
        teacher.update(role="teacher", orgs=[school["sourcedId"]], grades=[grade],
                       phone=self._phone_number())
        self.teachers.append(teacher)
        self.classes.append({
            "sourcedId": class_id, "school": school["sourcedId"], "grade": grade,
            "teacher": teacher["sourcedId"],
            "title": f"{N.GRADE_LABELS[grade]} Homeroom - {teacher['familyName']}"})
        return class_id

    def _families(self, pools: list[list[dict]]) -> None:
        for s, pool in enumerate(pools):
            while pool:
                kids = [pool.pop()]
                if self.rng.random() < SIBLING_FAMILIES:
                    size = 3 if self.rng.random() < 0.25 else 2
                    other = pools[(s + 1) % len(pools)]
                    for _ in range(size - 1):
                        source = other if other and self.rng.random() < 0.15 else pool
                        if source:
                            kids.append(source.pop())
                self._family(kids)

    def _household_language(self) -> str:
        roll = self.rng.random()
        return next(lang for lang, share in N.LANGUAGE_SHARES if roll < share)

    def _family(self, kids: list[dict]) -> None:
        self.families += 1
        lang = self._household_language()
        home = {"household": f"hh-{self.families:06d}a", "phone": self._phone_number()}
        guardians = [self._guardian(lang, home)]
        if self.rng.random() < TWO_GUARDIANS:
            if self.rng.random() < SEPARATED:  # a second household, own phone and name
                other = {"household": f"hh-{self.families:06d}b",
                         "phone": self._phone_number()}
                second_lang = lang if self.rng.random() < 0.7 else "en"
                guardians.append(self._guardian(second_lang, other))
            else:
                second = self._guardian(lang, home)
                if self.rng.random() < 0.7:
                    family = second["familyName"] = guardians[0]["familyName"]
                    second["email"] = _email(second["givenName"], family,
                                             len(self.guardians))
                guardians.append(second)
        schools = list(dict.fromkeys(kid["school"] for kid in kids))
        for kid in kids:
            given = self.rng.choice(N.GIVEN_NAMES[lang if self.rng.random() < 0.5
                                                  else "en"])
            family = guardians[0]["familyName"]
            kid.update(role="student", givenName=given, familyName=family,
                       preferred=N.PREFERRED.get(given), language="en",
                       grades=[kid["grade"]], orgs=[kid["school"]],
                       agents=[g["sourcedId"] for g in guardians],
                       email=_email(given, family, int(kid["sourcedId"][4:]),
                                    "students.example.org"))
        for guardian in guardians:
            guardian.update(orgs=schools, agents=[kid["sourcedId"] for kid in kids])

    def _guardian(self, lang: str, home: dict) -> dict:
        guardian = self._person("grd", len(self.guardians) + 1, lang)
        roll = self.rng.random()
        guardian.update(role="parent" if roll < 0.9 else "guardian" if roll < 0.97
                        else "relative", language=lang, phone=home["phone"],
                        sms=self._phone_number(), household=home["household"])
        self.guardians.append(guardian)
        return guardian

    def _school_languages(self) -> None:
        """A school communicates in en plus each language of >= 2% of its families."""
        by_school: dict[str, dict[str, int]] = {}
        for guardian in self.guardians:
            for school in guardian["orgs"]:
                counts = by_school.setdefault(school, {})
                counts[guardian["language"]] = counts.get(guardian["language"], 0) + 1
        for school in self.schools:
            counts = by_school.get(school["sourcedId"], {})
            total = sum(counts.values()) or 1
            extra = sorted((lang for lang, n in counts.items()
                            if lang != "en" and n / total >= 0.02),
                           key=lambda lang: (-counts[lang], lang))
            school["languages"] = ["en", *extra]
