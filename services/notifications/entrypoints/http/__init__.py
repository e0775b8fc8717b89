"""HTTP API: the signed-in person's inbox and preferences; admins' webhook subscriptions.
Parse -> use case -> dump; the rules are in services.py."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.service import get_store
from services.common.web import current_principal
from services.notifications.entrypoints.http import schemas as s
from services.notifications.application import inbox as uc

inbox = Blueprint("inbox", __name__, url_prefix="/inbox", description="The signed-in person's in-app messages")
prefs = Blueprint("preferences", __name__, url_prefix="/preferences",
                  description="How the signed-in person wants to be reached")
hooks = Blueprint("webhooks", __name__, url_prefix="/webhooks",
                  description="Subscribing systems that receive signed notification callbacks")


@inbox.route("")
class Inbox(MethodView):
    @inbox.arguments(s.InboxQuery, location="query")
    @inbox.response(200, s.InboxItemOut(many=True))
    def get(self, query):
        return uc.list_inbox(get_store(), current_principal(), **query)


@inbox.route("/unread-count")
class UnreadCount(MethodView):
    @inbox.response(200, s.UnreadCountOut)
    def get(self):
        """How many in-app messages the signed-in person has not read (the portal's header)."""
        return {"unread": uc.unread_count(get_store(), current_principal())}


@inbox.route("/<item_id>/read")
class InboxRead(MethodView):
    @inbox.response(200, s.InboxItemOut)
    def post(self, item_id):
        return uc.mark_read(get_store(), current_principal(), item_id)


@prefs.route("")
class Preferences(MethodView):
    @prefs.response(200, s.PreferencesOut)
    def get(self):
        return uc.get_preferences(get_store(), current_principal())

    @prefs.arguments(s.PreferencesIn)
    @prefs.response(200, s.PreferencesOut)
    def put(self, body):
        return uc.put_preferences(get_store(), current_principal(), body)


@hooks.route("")
class Webhooks(MethodView):
    @hooks.response(200, s.WebhookOut(many=True))
    def get(self):
        return uc.list_webhooks(get_store(), current_principal())

    @hooks.arguments(s.WebhookIn)
    @hooks.response(201, s.WebhookCreatedOut)
    def post(self, body):
        return uc.create_webhook(get_store(), current_principal(), body)


@hooks.route("/<webhook_id>")
class Webhook(MethodView):
    @hooks.response(204)
    def delete(self, webhook_id):
        uc.delete_webhook(get_store(), current_principal(), webhook_id)


dev = Blueprint("dev", __name__, url_prefix="/dev",
                description="Development mode only (CONFER_DEV_MODE=1): what was sent, for the dev mail page")


@dev.route("/inbox")
class DevInbox(MethodView):
    @dev.arguments(s.InboxQuery, location="query")
    @dev.response(200, s.InboxItemOut(many=True))
    def get(self, query):
        """Everyone's in-app messages in the caller's district, newest first (district admins)."""
        return uc.all_inboxes(get_store(), current_principal(), limit=query["limit"])


def blueprints() -> list:
    from services.common.devclock import dev_mode

    return [inbox, prefs, hooks] + ([dev] if dev_mode() else [])
