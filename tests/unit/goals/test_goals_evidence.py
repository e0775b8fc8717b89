"""Evidence: note cards, file or link, upload limits."""
import pytest

from services.goals.domain import (
    DEFAULT_MAX_BYTES, Evidence, EvidenceFile, NoteCard, check_upload, validate_evidence,
)

MB = 1024 * 1024


@pytest.mark.parametrize("ctype", ["image/png", "image/jpeg", "application/pdf", "text/plain",
                                   "audio/mpeg", "video/mp4", "IMAGE/PNG", "text/plain; charset=utf-8"])
def test_allowed_types_pass(ctype):
    assert check_upload(ctype, 1234) is None


@pytest.mark.parametrize("ctype", ["application/zip", "image/gif", "text/html", "", None])
def test_other_types_are_refused_clearly(ctype):
    f = check_upload(ctype, 10)
    assert f.code == "file_type_not_allowed" and f.field == "file.content_type"
    assert "PNG" in f.message and "PDF" in f.message


def test_size_limits():
    assert DEFAULT_MAX_BYTES == 10 * MB
    assert check_upload("image/png", 10 * MB) is None
    f = check_upload("image/png", int(12.5 * MB))
    assert f.code == "file_too_large"
    assert f.message == "This file is 12.5 MB. The biggest file you can add is 10.0 MB."
    assert check_upload("image/png", 3 * MB, max_bytes=2 * MB).code == "file_too_large"
    assert check_upload("image/png", 0).code == "file_empty"


def ev(**changes):
    base = dict(evidence_id="e1", student_id="s1", title="My fractions poster",
                note=NoteCard("It shows I can add fractions with the same bottom number", "g1"),
                file=EvidenceFile("image/png", 200_000, "poster.png"), link=None)
    base.update(changes)
    return Evidence(**base)


def test_valid_file_and_link_evidence():
    assert validate_evidence(ev()) == []
    assert validate_evidence(ev(file=None, link="https://drive.example.org/my-story")) == []
    assert validate_evidence(ev(note=NoteCard("My best story", None), file=None, link="http://x.org/a")) == []


def test_evidence_requirements():
    assert [f.code for f in validate_evidence(ev(title=" "))] == ["title_missing"]
    assert [f.code for f in validate_evidence(ev(title="t" * 121))] == ["too_long"]
    assert [f.code for f in validate_evidence(ev(note=NoteCard("")))] == ["note_missing"]
    assert [f.code for f in validate_evidence(ev(file=None))] == ["source_missing"]
    assert [f.code for f in validate_evidence(ev(link="https://x.org"))] == ["source_ambiguous"]
    for bad in ("ftp://x.org/file", "javascript:alert(1)", "www.example.org", "https://"):
        assert [f.code for f in validate_evidence(ev(file=None, link=bad))] == ["link_invalid"]


def test_evidence_file_checks_use_the_configured_limit():
    big = ev(file=EvidenceFile("video/mp4", 50 * MB))
    assert [f.code for f in validate_evidence(big)] == ["file_too_large"]
    assert validate_evidence(big, max_bytes=100 * MB) == []
    assert [f.code for f in validate_evidence(ev(file=EvidenceFile("application/x-msdownload", 10)))] == [
        "file_type_not_allowed"]


def test_note_card_goal_must_be_known_when_given():
    assert validate_evidence(ev(), known_goal_ids={"g1"}) == []
    [f] = validate_evidence(ev(), known_goal_ids={"g2"})
    assert (f.code, f.field) == ("unknown_goal", "note.goal_id")
