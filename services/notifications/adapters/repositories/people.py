"""Recipients (contact details and language projected from the roster's
PersonProfileChanged; private to this service) and their own preferences."""
from __future__ import annotations

from services.notifications.adapters.repository import PREFERENCES, RECIPIENTS


class Recipients:
    def __init__(self, uow):
        self.uow = uow

    @property
    def _coll(self):
        return self.uow.db[RECIPIENTS]

    def save_profile(self, person_id: str, profile: dict) -> None:
        self._coll.update_one({"_id": person_id}, {"$set": profile}, upsert=True, session=self.uow.session)

    def deactivate(self, person_id: str, at) -> None:
        self._coll.update_one({"_id": person_id}, {"$set": {"active": False, "updated_at": at}},
                              session=self.uow.session)

    def contact(self, person_id: str) -> dict | None:
        return self._coll.find_one({"_id": person_id}, session=self.uow.session)


class Preferences:
    def __init__(self, uow):
        self.uow = uow

    def save(self, person_id: str, prefs: dict) -> None:
        """Replace a person's choices (fields not named are kept)."""
        self.uow.db[PREFERENCES].update_one({"_id": person_id}, {"$set": prefs}, upsert=True,
                                            session=self.uow.session)
