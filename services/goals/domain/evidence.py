"""Evidence: work samples with a note card, either an uploaded file or a link."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Collection
from urllib.parse import urlsplit

from services.goals.domain.models import Feedback, error, too_long
from services.goals.domain.texts import T

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MIB
ALLOWED_CONTENT_TYPES = {
    "image/png": T("PNG picture"), "image/jpeg": T("JPEG picture"), "application/pdf": T("PDF"),
    "text/plain": T("text file"), "audio/mpeg": T("MP3 audio"), "video/mp4": T("MP4 video"),
}
# The extension a stored file gets: always the one of the type it was checked to be,
# never the one it came with ("notes.html" checked as text is kept as "notes.txt").
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "application/pdf": ".pdf", "text/plain": ".txt",
              "audio/mpeg": ".mp3", "video/mp4": ".mp4"}
TITLE_MAX = 120
NOTE_MAX = 500
LINK_MAX = 2000


@dataclass(frozen=True)
class NoteCard:
    what_it_shows: str
    goal_id: str | None = None


@dataclass(frozen=True)
class EvidenceFile:
    content_type: str
    size: int  # bytes
    filename: str = ""


@dataclass(frozen=True)
class Evidence:
    evidence_id: str
    student_id: str
    title: str
    note: NoteCard
    file: EvidenceFile | None = None
    link: str | None = None


def _size_words(n: int) -> str:
    return f"{n / MIB:.1f} MB" if n >= MIB // 10 else f"{max(n, 0) / 1024:.0f} KB"


def stored_filename(filename: str | None, content_type: str) -> str:
    """The name a checked upload is stored (and later downloaded) under: the sender's
    base name without its extension, plus the extension of the checked type."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base.lstrip(".")
    stem = "".join(c for c in stem if c.isprintable()).strip(" .")[:100] or "work-sample"
    return stem + EXTENSIONS[normalise_content_type(content_type)]


def normalise_content_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def check_upload(content_type: str | None, size: int, max_bytes: int = DEFAULT_MAX_BYTES) -> Feedback | None:
    """None when the file may be stored, else one clear error (type first, then size)."""
    kind = normalise_content_type(content_type)
    if kind not in ALLOWED_CONTENT_TYPES:
        msg = (T('You can add pictures (PNG or JPEG), PDFs, text files, MP3 audio or MP4 video. This file is '
                 '"%(kind)s".', kind=kind) if kind else
               T("You can add pictures (PNG or JPEG), PDFs, text files, MP3 audio or MP4 video. This file is "
                 "not a type we know."))
        return error("file_type_not_allowed", "file.content_type", msg)
    if size is None or size <= 0:
        return error("file_empty", "file.size", T("This file is empty. Pick another file."))
    if size > max_bytes:
        return error("file_too_large", "file.size",
                     T("This file is %(size)s. The biggest file you can add is %(limit)s.",
                       size=_size_words(size), limit=_size_words(max_bytes)))
    return None


def check_link(link: str) -> Feedback | None:
    parts = urlsplit(link.strip())
    if parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        return error("link_invalid", "link",
                     T('A link must start with "https://" or "http://", like https://example.org/my-work.'))
    if len(link) > LINK_MAX:
        return too_long("link", LINK_MAX)
    return None


def validate_evidence(ev: Evidence, max_bytes: int = DEFAULT_MAX_BYTES,
                      known_goal_ids: Collection[str] | None = None) -> list[Feedback]:
    """Title and note card required; exactly one of a file or a link; the note card's
    goal (if any) must be one of ``known_goal_ids`` when those are given."""
    out: list[Feedback] = []
    title = (ev.title or "").strip()
    if not title:
        out.append(error("title_missing", "title", T("Give your work a short title.")))
    elif len(title) > TITLE_MAX:
        out.append(too_long("title", TITLE_MAX))
    shows = (ev.note.what_it_shows or "").strip() if ev.note else ""
    if not shows:
        out.append(error("note_missing", "note.what_it_shows", T("Write on your note card what this work shows.")))
    elif len(shows) > NOTE_MAX:
        out.append(too_long("note.what_it_shows", NOTE_MAX))
    goal_id = ev.note.goal_id if ev.note else None
    if goal_id and known_goal_ids is not None and goal_id not in known_goal_ids:
        out.append(error("unknown_goal", "note.goal_id", T("Pick one of your own goals for this work.")))
    link = (ev.link or "").strip()
    if ev.file is None and not link:
        out.append(error("source_missing", "file", T("Add a file or a link to your work.")))
    elif ev.file is not None and link:
        out.append(error("source_ambiguous", "link", T("Add a file or a link, not both.")))
    elif ev.file is not None:
        problem = check_upload(ev.file.content_type, ev.file.size, max_bytes)
        out += [problem] if problem else []
    else:
        problem = check_link(link)
        out += [problem] if problem else []
    return out
