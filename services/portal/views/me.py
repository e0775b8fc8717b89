"""Everyone's own pages: the inbox (in-app messages, each leading to its page) and the
preferences (channels, language, quiet hours; the daily digest for teachers). The unread
count in the header comes from `unread_count` (a context processor)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from services.portal.auth import api, login_required, user
from services.portal.client import ApiError
from services.portal.config import LANGUAGES
from services.portal.i18n import _

bp = Blueprint("me", __name__)
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def portal_path(link: str | None) -> str | None:
    """The portal page a message's link points at (path, query and fragment), whatever
    public address it was sent with; None for anything that is not a portal page."""
    if not link:
        return None
    parts = urlsplit(link)
    if not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")


def unread_count() -> int | None:
    """For the header; None when the notifications service does not answer (the page
    still works)."""
    if not user():
        return None
    if "unread" not in g:
        try:
            g.unread = api().unread_count()
        except ApiError:
            g.unread = None
    return g.unread


@bp.get("/inbox")
@login_required()
def inbox():
    items = api().inbox(limit=100)
    for item in items:
        item["path"] = portal_path(item.get("link"))
    return render_template("me/inbox.html", items=items)


@bp.get("/inbox/<item_id>")
@login_required()
def open_item(item_id):
    """Mark the message read and go to its page."""
    item = api().mark_read(item_id)
    return redirect(portal_path(item.get("link")) or url_for("me.inbox"))


@bp.post("/inbox/<item_id>/read")
@login_required()
def mark_read(item_id):
    api().mark_read(item_id)
    return redirect(url_for("me.inbox"))


def _preferences_body(form, current: dict, role: str) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    body = {"opted_out": [c for c in ("email", "sms") if form.get(f"channel_{c}") != "yes"],
            "quiet_start": (form.get("quiet_start") or "").strip()[:5],
            "quiet_end": (form.get("quiet_end") or "").strip()[:5],
            "digest": role == "teacher" and form.get("digest") == "yes",
            "language": form.get("language") if form.get("language") in LANGUAGES else current.get("language")}
    for key in ("quiet_start", "quiet_end"):
        if not HHMM.match(body[key]):
            errors[key] = _("Use a time like 21:00.")
    return body, errors


@bp.route("/preferences", methods=["GET", "POST"])
@login_required()
def preferences():
    a, u = api(), user()
    current = a.preferences()
    errors: dict = {}
    if request.method == "POST":
        body, errors = _preferences_body(request.form, current, u["role"])
        if not errors:
            try:
                current = a.save_preferences(body)
            except ApiError as exc:
                if exc.status != 422:
                    raise
                errors = {k: "; ".join(v) for k, v in exc.field_errors().items()}
            else:
                lang = current.get("language")
                if lang in LANGUAGES:
                    session["lang"] = lang
                    session["user"] = {**u, "lang": lang}
                flash(_("Your choices are saved."), "success")
                return redirect(url_for("me.preferences"))
        current = {**current, **body}
    return render_template("me/preferences.html", prefs=current, errors=errors, role=u["role"])
