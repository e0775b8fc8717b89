"""Helpers for the roster integration tests: a hand-made district for the access
matrix, bundle writing, and counting what an import left in the database."""
from __future__ import annotations

from pathlib import Path

UNIT_DATA = Path(__file__).resolve().parents[2] / "unit" / "roster" / "data"
MATRIX_DISTRICT = "d-matrix"

# Two schools. s1: teacher t1 teaches c1 (st1, st4), teacher t2 teaches c2 (st2);
# s2: teacher t3 teaches c3 (st3). Families: g1 -> st1, st4 (siblings); g2 -> st2; g3 -> st3.
MATRIX = {
    "manifest.csv": "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\n"
                    "file.academicSessions,bulk\nfile.categories,absent\nfile.classes,bulk\n"
                    "file.classResources,absent\nfile.courses,absent\nfile.courseResources,absent\n"
                    "file.demographics,absent\nfile.enrollments,bulk\nfile.lineItems,absent\nfile.orgs,bulk\n"
                    "file.resources,absent\nfile.results,absent\nfile.users,bulk\n",
    "orgs.csv": "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId,metadata.timezone,"
                "metadata.languages\n"
                "d-matrix,active,,Matrix Unified,district,MU,,America/Chicago,en\n"
                "s1,active,,North Elementary,school,1,d-matrix,America/Chicago,en;es\n"
                "s2,active,,South Elementary,school,2,d-matrix,America/New_York,en\n",
    "academicSessions.csv": "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,"
                            "schoolYear\ny1,active,,2026-2027,schoolYear,2026-08-15,2027-06-10,,2027\n",
    "classes.csv": "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,"
                   "schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\n"
                   "c1,active,,Grade 3 Homeroom,03,,C1,homeroom,,s1,y1,,,\n"
                   "c2,active,,Grade 4 Homeroom,04,,C2,homeroom,,s1,y1,,,\n"
                   "c3,active,,Grade 3 Homeroom,03,,C3,homeroom,,s2,y1,,,\n",
    "users.csv": "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,"
                 "familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,"
                 "metadata.preferredLanguage\n"
                 "t1,active,,true,s1,teacher,t1,,Tara,One,,,t1@example.org,,,,03,,\n"
                 "t2,active,,true,s1,teacher,t2,,Theo,Two,,,t2@example.org,,,,04,,\n"
                 "t3,active,,true,s2,teacher,t3,,Tess,Three,,,t3@example.org,,,,03,,\n"
                 "st1,active,,true,s1,student,st1,,Ana,Alpha,,,,,,g1,03,,\n"
                 "st4,active,,true,s1,student,st4,,Ben,Alpha,,,,,,g1,03,,\n"
                 "st2,active,,true,s1,student,st2,,Cy,Beta,,,,,,g2,04,,\n"
                 "st3,active,,true,s2,student,st3,,Di,Gamma,,,,,,g3,03,,\n"
                 "g1,active,,true,s1,parent,g1,,Gia,Alpha,,,g1@example.org,+12065550101,,\"st1,st4\",,,es\n"
                 "g2,active,,true,s1,parent,g2,,Gus,Beta,,,g2@example.org,+12065550102,,st2,,,en\n"
                 "g3,active,,true,s2,guardian,g3,,Gwen,Gamma,,,g3@example.org,+12065550103,,st3,,,vi\n"
                 "a1,active,,true,s1,administrator,a1,,Abe,Admin,,,a1@example.org,,,,,,\n",
    "enrollments.csv": "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,"
                       "primary,beginDate,endDate\n"
                       "e1,active,,c1,s1,t1,teacher,true,,\ne2,active,,c1,s1,st1,student,false,,\n"
                       "e3,active,,c1,s1,st4,student,false,,\ne4,active,,c2,s1,t2,teacher,true,,\n"
                       "e5,active,,c2,s1,st2,student,false,,\ne6,active,,c3,s2,t3,teacher,true,,\n"
                       "e7,active,,c3,s2,st3,student,false,,\n",
}


def write_bundle(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def counts(db) -> dict[str, int]:
    """Documents in every collection of the database."""
    return {name: db[name].count_documents({}) for name in sorted(db.list_collection_names())}
