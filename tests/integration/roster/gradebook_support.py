"""A generated OneRoster 1.2 gradebook for the matrix district (roster_support.MATRIX):
one reading and one math line item per class, each linked to a standard, on a 1-4
scale, and a result per student and line item."""
from __future__ import annotations

from pathlib import Path

from roster_support import write_bundle

GRADEBOOK_FILES = ("categories", "scoreScales", "lineItems", "lineItemScoreScales", "lineItemLearningObjectiveIds",
                   "results", "resultLearningObjectiveIds")
CLASS_STUDENTS = {"c1": ("st1", "st4"), "c2": ("st2",), "c3": ("st3",)}
STANDARDS = {"read": "CCSS.ELA-LITERACY.RF.3.4", "math": "CCSS.MATH.3.NF.A.1"}


def manifest(files: dict[str, str]) -> str:
    lines = ["propertyName,value", "manifest.version,1.0", "oneroster.version,1.2"]
    for name in ("academicSessions", "classes", "demographics", "enrollments", "orgs", "users", "roles",
                 "userProfiles", *GRADEBOOK_FILES):
        lines.append(f"file.{name},{files.get(name, 'absent')}")
    return "\n".join(lines) + "\n"


def scores(**overrides) -> dict[tuple[str, str], float]:
    """(student, subject) -> score; every student of the matrix has both."""
    out = {(s, subject): 2.0 for students in CLASS_STUDENTS.values() for s in students for subject in STANDARDS}
    out[("st1", "read")] = 1.0   # an area to grow
    out[("st1", "math")] = 4.0   # a strength
    out.update({tuple(k.split("_")): v for k, v in overrides.items()})
    return out


def gradebook_files(results: dict[tuple[str, str], float] | None = None, day: str = "2026-10-01",
                    modes: dict[str, str] | None = None, second: dict[tuple[str, str], float] | None = None,
                    second_day: str = "2026-10-15") -> dict[str, str]:
    """`second`: results of a second check (new line items "-2") on `second_day`."""
    results = scores() if results is None else results
    items = ["sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,"
             "categorySourcedId,gradingPeriodSourcedId,academicSessionSourcedId,resultValueMin,resultValueMax,"
             "schoolSourcedId"]
    item_scales = ["sourcedId,status,dateLastModified,lineItemSourcedId,scoreScaleSourcedId"]
    item_objectives = ["sourcedId,status,dateLastModified,lineItemSourcedId,source,learningObjectiveId"]
    rows = ["sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,classSourcedId,scoreStatus,"
            "score,textScore,scoreDate,comment"]
    for klass, students in CLASS_STUDENTS.items():
        for subject, standard in STANDARDS.items():
            li = f"li-{klass}-{subject}"
            items.append(f"{li},active,,{subject.title()} check,,2026-09-20,2026-10-01,{klass},cat-1,,y1,,,")
            item_scales.append(f"lis-{li},active,,{li},sc-4")
            item_objectives.append(f"lio-{li},active,,{li},case,{standard}")
            for student in students:
                if (student, subject) in results:
                    rows.append(f"r-{li}-{student},active,,{li},{student},{klass},fully graded,"
                                f"{results[(student, subject)]:g},,{day},")
            again = {s: v for (s, subj), v in (second or {}).items() if subj == subject and s in students}
            if again:
                li2 = f"{li}-2"
                items.append(f"{li2},active,,{subject.title()} check 2,,{second_day},{second_day},{klass},cat-1,,"
                             f"y1,,,")
                item_scales.append(f"lis-{li2},active,,{li2},sc-4")
                item_objectives.append(f"lio-{li2},active,,{li2},case,{standard}")
                rows += [f"r-{li2}-{s},active,,{li2},{s},{klass},fully graded,{v:g},,{second_day},"
                         for s, v in again.items()]
    files = {
        "categories.csv": "sourcedId,status,dateLastModified,title,weight\ncat-1,active,,Checks,1\n",
        "scoreScales.csv": "sourcedId,status,dateLastModified,title,type,orgSourcedId,courseSourcedId,"
                           "classSourcedId,scoreScaleValue\n"
                           "sc-4,active,,Proficiency 1-4,standards,,,,"
                           "\"1:Beginning,2:Developing,3:Secure,4:Beyond\"\n",
        "lineItems.csv": "\n".join(items) + "\n",
        "lineItemScoreScales.csv": "\n".join(item_scales) + "\n",
        "lineItemLearningObjectiveIds.csv": "\n".join(item_objectives) + "\n",
        "results.csv": "\n".join(rows) + "\n",
        "resultLearningObjectiveIds.csv": "sourcedId,status,dateLastModified,resultSourcedId,source,"
                                          "learningObjectiveId,score,textScore\n",
    }
    modes = {**{name: "bulk" for name in GRADEBOOK_FILES}, **(modes or {})}
    files["manifest.csv"] = manifest(modes)
    return {k: v for k, v in files.items() if k == "manifest.csv" or modes.get(k[:-4]) != "absent"}


def write_gradebook(folder: Path, **kw) -> Path:
    return write_bundle(folder, gradebook_files(**kw))
