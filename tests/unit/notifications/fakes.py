"""In-memory repositories of the notifications service, with the methods of the real ones
(services/notifications/adapters/repositories) that the use cases under test call. They
keep their documents in `FakeStore.data`, by collection name, so a test seeds and reads
them as plain dicts."""
from __future__ import annotations

from services.notifications.adapters import repository as repo
from services.notifications.adapters.directory import Directory


def _matches(doc: dict, query: dict) -> bool:
    return all(doc.get(k) == v for k, v in query.items())


class _Docs:
    collection = ""

    def __init__(self, uow):
        self.docs: dict[str, dict] = uow.store.data.setdefault(self.collection, {})


class FakeDeliveries(_Docs):
    collection = repo.DELIVERIES

    def already_recorded(self, ids):
        return {i for i in ids if i in self.docs}

    def add(self, docs):
        for d in docs:
            assert d["_id"] not in self.docs, f"duplicate key {d['_id']}"
            self.docs[d["_id"]] = dict(d)

    def make_due(self, delivery_id, now):
        d = self.docs.get(delivery_id)
        if d is not None and d["status"] in repo.OPEN:
            d["due_at"] = now


class FakeInbox(_Docs):
    collection = repo.INBOX

    def add(self, items):
        for item in items:
            assert item["_id"] not in self.docs, f"duplicate key {item['_id']}"
            self.docs[item["_id"]] = dict(item)

    def item_of(self, scope, recipient_id, item_id):
        doc = self.docs.get(item_id)
        return dict(doc) if doc and _matches(doc, {**scope, "recipient_id": recipient_id}) else None

    def mark_read(self, scope, recipient_id, item_id, at):
        if self.item_of(scope, recipient_id, item_id):
            self.docs[item_id]["read_at"] = at


class FakeRecipients(_Docs):
    collection = repo.RECIPIENTS

    def save_profile(self, person_id, profile):
        self.docs.setdefault(person_id, {"_id": person_id}).update(profile)

    def deactivate(self, person_id, at):
        if person_id in self.docs:
            self.docs[person_id].update(active=False, updated_at=at)

    def contact(self, person_id):
        return self.docs.get(person_id)


class FakePreferences(_Docs):
    collection = repo.PREFERENCES

    def save(self, person_id, prefs):
        self.docs.setdefault(person_id, {"_id": person_id}).update(prefs)


class FakeWebhooks(_Docs):
    collection = repo.WEBHOOKS

    def add(self, doc):
        self.docs[doc["_id"]] = dict(doc)

    def active(self, scope, webhook_id):
        doc = self.docs.get(webhook_id)
        return doc if doc and _matches(doc, {**scope, "active": True}) else None

    def deactivate(self, scope, webhook_id, at):
        if self.active(scope, webhook_id):
            self.docs[webhook_id].update(active=False, deleted_at=at)


class FakeDigestItems(_Docs):
    collection = repo.DIGEST_ITEMS

    def keep(self, item_id, item):
        self.docs.setdefault(item_id, {"_id": item_id, **item})

    def pending_for(self, recipient_id):
        return sorted((d for d in self.docs.values() if d["recipient_id"] == recipient_id
                       and d["status"] == "pending"), key=lambda d: d["created_at"])

    def mark_included(self, item_ids, digest_id):
        for i in item_ids:
            self.docs[i].update(status="included", digest=digest_id)


class FakeDirectory(Directory):
    """The real directory (its cache, its NotReady refusals) over `FakeStore.data`."""

    def _coll(self, name):
        return self.uow.store.data.setdefault(name, {})

    def _read_one(self, coll, _id):
        return self._coll(coll).get(_id)

    def _read_many(self, coll, ids):
        return {i: self._coll(coll)[i] for i in ids if i in self._coll(coll)}

    def _read_webhooks(self, district_id):
        return [w for w in self._coll(repo.WEBHOOKS).values() if w.get("district_id") == district_id and w.get("active")]

    def _read_open_goals(self, student_id):
        return [g["statement"] for _, g in sorted(self._coll(repo.GOALS).items())
                if g.get("student_id") == student_id and g.get("status") in ("agreed", "submitted")]


def attach_fakes(uow) -> None:
    uow.directory = FakeDirectory(uow)
    uow.deliveries = FakeDeliveries(uow)
    uow.inbox = FakeInbox(uow)
    uow.recipients = FakeRecipients(uow)
    uow.preferences = FakePreferences(uow)
    uow.webhooks = FakeWebhooks(uow)
    uow.digest_items = FakeDigestItems(uow)
