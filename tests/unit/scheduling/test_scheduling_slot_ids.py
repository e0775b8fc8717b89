"""A slot's id names it: teacher and UTC start. The booking hot path derives the slot
from its id (no read); this must give exactly what slot generation stored, on DST days
and in other zones too."""
from datetime import date, datetime, time, timezone

import pytest

from services.scheduling.adapters import repository as repo
from services.scheduling.domain.model import Availability, TimeRange, Window, WindowDay
from services.scheduling.domain.slots import generate_slots

UTC = timezone.utc


def window_doc(tz: str, on: date, modality="in_person", link=None) -> tuple[Window, dict]:
    w = Window(school_id="s1", time_zone=tz, days=[WindowDay(on, time(0, 0), time(23, 0), evening=True)],
               slot_minutes=20, buffer_minutes=5, booking_opens_at=datetime(2026, 1, 1, tzinfo=UTC),
               booking_closes_at=datetime(2026, 12, 31, tzinfo=UTC), modality=modality, video_link=link,
               window_id="w-1")
    doc = {"_id": "w-1", "district_id": "d-1", "school_id": "s1", "cycle": "c", "time_zone": tz,
           **{k: getattr(w, k) for k in repo.WINDOW_FIELDS}, **repo.window_days_to_doc(w)}
    return w, doc


@pytest.mark.parametrize("tz,on", [("America/Los_Angeles", date(2026, 11, 1)),   # fall back: 01:xx twice
                                   ("America/Los_Angeles", date(2026, 3, 8)),    # spring forward
                                   ("Australia/Lord_Howe", date(2026, 4, 5)),    # a 30-minute DST shift
                                   ("Asia/Kolkata", date(2026, 10, 20))])
def test_slot_from_id_matches_generation(tz, on):
    w, doc = window_doc(tz, on)
    av = Availability("t:1", "B12", {on: [TimeRange(time(0, 0), time(23, 0))]})
    rooms = {"t:1": {"room": "B12", "video_link": None}}
    slots = generate_slots(w, av)
    assert len({s.id for s in slots}) == len(slots) > 40
    for s in slots:
        assert repo.slot_from_id(doc, rooms, s.id) == {k: v for k, v in repo.slot_to_doc(s, doc).items()
                                                       if k != "booked_by"}


def test_ids_that_name_no_slot_of_the_window():
    _, doc = window_doc("America/Chicago", date(2026, 10, 20), "video", "https://meet.example/w")
    rooms = {"t1": {"room": None, "video_link": "https://meet.example/t1"}}
    assert repo.slot_from_id(doc, rooms, "t1:20261020T2000Z")["video_link"] == "https://meet.example/t1"
    assert repo.slot_from_id(doc, rooms, "t2:20261020T2000Z") is None      # not a teacher of the window
    assert repo.slot_from_id(doc, rooms, "t1:20261024T2000Z") is None      # not a day of the window
    assert repo.slot_from_id(doc, rooms, "t1:tomorrow") is None
