"""Tokens must name a subject and a district; CSV cells are neutralised and quoted;
stored evidence takes the extension of its checked type; the tenancy check fails closed."""
import time

import jwt
import pytest

from services.access import StudentRecord, decide, decide_school
from services.common.auth import AuthError, Principal, TokenVerifier
from services.common.config import DEV_JWT_SECRET
from services.common.guards import same_district
from services.goals.domain.evidence import stored_filename
from services.reports.application.dashboard import to_csv

VERIFIER = TokenVerifier(secret=DEV_JWT_SECRET)


def token(**claims):
    now = int(time.time())
    base = {"sub": "u-1", "role": "district_admin", "district_id": "d-1", "iat": now, "exp": now + 60,
            "aud": "confer", "iss": "confer-dev"}
    base.update(claims)
    return jwt.encode({k: v for k, v in base.items() if v is not ...}, DEV_JWT_SECRET, algorithm="HS256")


@pytest.mark.parametrize("claims,says", [
    ({"district_id": ...}, "district"), ({"district_id": None}, "district"), ({"district_id": ""}, "district"),
    ({"district_id": "  "}, "district"), ({"district_id": ["d-1"]}, "district"),
    ({"sub": ""}, "subject"), ({"sub": "   "}, "subject"),
    ({"school_ids": ["s-1", ""]}, "school_ids"), ({"school_ids": "s-1"}, "school_ids"),
])
def test_a_token_without_a_district_or_subject_is_refused(claims, says):
    with pytest.raises(AuthError, match=says):
        VERIFIER.verify(token(**claims))


def test_a_complete_token_is_a_principal():
    p = VERIFIER.verify(token(role="service", sub="sis", scope="students:read"))
    assert (p.sub, p.role, p.district_id, p.scopes) == ("sis", "service", "d-1", ("students:read",))


def test_the_tenancy_check_fails_closed():
    admin = Principal("a", "district_admin", "d-1")
    assert same_district(admin, "d-1") and not same_district(admin, None) and not same_district(admin, "d-2")
    assert not same_district(Principal("a", "district_admin", ""), "")
    assert not decide(admin, "read", StudentRecord("st", None, "s-1"))
    assert not decide_school(admin, "s-1", None)


def test_csv_cells_are_quoted_and_formulas_neutralised():
    text = to_csv([{"teacher": "x;=1+1;", "a": "=HYPERLINK(\"http://e\")", "b": "+1", "c": "@SUM(A1)",
                    "d": "\t=1", "e": "Ana, -2", "f": "Ana", "n": -3}])
    header, row = text.splitlines()
    assert header == '"teacher","a","b","c","d","e","f","n"'
    assert row == '"\'x;=1+1;","\'=HYPERLINK(""http://e"")","\'+1","\'@SUM(A1)","\'\t=1","\'Ana, -2","Ana","-3"'


@pytest.mark.parametrize("name,kind,stored", [
    ("notes.html", "text/plain", "notes.txt"), ("poster.svg", "image/png", "poster.png"),
    ("../../etc/passwd", "application/pdf", "passwd.pdf"), ("C:\\\\work\\\\essay.exe", "text/plain", "essay.txt"),
    ("", "image/jpeg", "work-sample.jpg"), (".htaccess", "text/plain", "htaccess.txt"),
    ("song.mp3", "audio/mpeg", "song.mp3"),
])
def test_stored_files_take_the_extension_of_the_checked_type(name, kind, stored):
    assert stored_filename(name, kind) == stored
