"""Recipients (contact details and language projected from the roster's
PersonProfileChanged; private to this service) and their own preferences."""
from __future__ import annotations

from services.common.repository import Repository
from services.notifications.adapters.repository import PREFERENCES, RECIPIENTS


class Recipients(Repository):
    collection_name = RECIPIENTS

    def save_profile(self, person_id: str, profile: dict) -> None:
        self.docs.update_one({"_id": person_id}, {"$set": profile}, upsert=True, session=self.session)

    def deactivate(self, person_id: str, at) -> None:
        self.docs.update_one({"_id": person_id}, {"$set": {"active": False, "updated_at": at}}, session=self.session)

    def contact(self, person_id: str) -> dict | None:
        return self.docs.find_one({"_id": person_id}, session=self.session)


class Preferences(Repository):
    collection_name = PREFERENCES

    def save(self, person_id: str, prefs: dict) -> None:
        """Replace a person's choices (fields not named are kept)."""
        self.docs.update_one({"_id": person_id}, {"$set": prefs}, upsert=True, session=self.session)
