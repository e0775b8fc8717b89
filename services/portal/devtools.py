"""Development mode only (CONFER_DEV_MODE=1, set by `confer dev`): what Confer sent, and the
dev clock.

* /dev/mail lists every message of the demo district: the e-mails and text messages
  the local catchers received (services.devmail, folder CONFER_DEV_MAILBOX) and the
  in-app messages (from the notifications service's development-only listing), each
  with the links it carries: click one to do what the message asks, as its recipient.
* /dev/clock moves every service's clock forward (hours, days, weeks), so reminders,
  follow-ups and reports fire (services.common.devclock, CONFER_DEV_CLOCK_FILE).

The blueprint is only registered in development mode and answers 404 otherwise.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from services.common.auth import mint
from services.common.devclock import OffsetClock
from services.devmail import Mailbox, extract_links
from services.portal.auth import safe_next, settings, user
from services.portal.client import Api, ApiError
from services.portal.i18n import _, f_datetime
from services.portal.security import DOCUMENT_CSP

bp = Blueprint("devtools", __name__, url_prefix="/dev")
LIMIT = 150  # the newest messages of each source, and of the page
UNITS = {"hours": timedelta(hours=1), "days": timedelta(days=1), "weeks": timedelta(weeks=1)}


@bp.before_request
def only_in_dev():
    if not settings().dev_tools:
        abort(404)


def _mailbox() -> Mailbox | None:
    return Mailbox(settings().dev_mailbox) if settings().dev_mailbox else None


def _admin_api() -> Api:
    s = settings()
    token = mint(s.jwt_secret, sub="dev-district-admin", role="district_admin", district_id=s.dev_district,
                 ttl=600, audience=s.jwt_audience, issuer=s.jwt_issuer)
    return Api(s.urls, token, timeout=s.api_timeout)


@bp.get("/mail")
def mail():
    box = _mailbox()
    channel, to = request.args.get("channel"), (request.args.get("to") or "").strip() or None
    caught = box.list(LIMIT, channel=channel if channel in ("email", "sms") else None, to=to) \
        if box and channel != "inapp" else []
    inapp, inapp_error = [], None
    if channel in (None, "", "inapp"):
        try:
            inapp = [i for i in _admin_api().dev_inbox(200) if not to or i.get("recipient_id") == to]
        except ApiError as exc:
            inapp_error = exc.detail or str(exc.status)
    for item in inapp:
        item["links"] = extract_links(item.get("link") or "")
    messages = sorted(
        [{**m, "at_sort": m["at"]} for m in caught] +
        [{"id": i["id"], "channel": "inapp", "to": [i.get("recipient_id")], "subject": i.get("subject"),
          "text": i.get("text"), "at": i.get("created_at"), "at_sort": i.get("created_at") or "",
          "links": i["links"], "kind": i.get("kind")} for i in inapp],
        key=lambda m: m["at_sort"] or "", reverse=True)
    if channel in ("email", "sms", "inapp"):
        messages = [m for m in messages if m["channel"] == channel]
    messages = messages[:LIMIT]
    return render_template("dev/mail.html", messages=messages, channel=channel, to=to, mailbox=bool(box),
                           inapp_error=inapp_error)


@bp.get("/mail/<message_id>")
def mail_message(message_id):
    """One caught e-mail as its recipient saw it (HTML, sandboxed like every document)."""
    box = _mailbox()
    doc = box.get(message_id) if box else None
    if doc is None:
        abort(404)
    body = doc.get("html") or f"<pre>{doc.get('text', '')}</pre>"
    return Response(body, mimetype="text/html", headers={"Content-Security-Policy": DOCUMENT_CSP})


def _clock() -> OffsetClock | None:
    return OffsetClock(settings().dev_clock_file) if settings().dev_clock_file else None


@bp.route("/clock", methods=["GET", "POST"])
def clock():
    c = _clock()
    if request.method == "POST":
        if c is None:
            abort(404)
        try:
            amount = int(request.form.get("amount") or 0)
        except ValueError:
            amount = 0
        unit = UNITS.get(request.form.get("unit") or "")
        if amount < 1 or amount > 1000 or unit is None:
            flash(_("Move the clock forward by a whole number of hours, days or weeks."), "error")
        else:
            now = c.advance(unit * amount)
            flash(_("It is now %(when)s. What has come due (reminders, follow-ups, reports) goes out within "
                    "a few seconds.", when=f_datetime(now)), "success")
        return redirect(safe_next(request.form.get("next")) or url_for("devtools.clock"))
    return render_template("dev/clock.html", clock=c, now=settings().now(), zone=_zone(),
                           offset=timedelta(seconds=round(c.offset())) if c else None)


def _zone() -> str | None:
    """The signed-in person's school's zone, else the district's first school's."""
    schools = list(((user() or {}).get("schools") or {}).values())
    if schools:
        return schools[0].get("tz")
    try:
        found = _admin_api().schools()
    except ApiError:
        return None
    return found[0].get("time_zone") if found else None
