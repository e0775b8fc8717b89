"""Every link a message can carry (services.common.links) is a page the portal has, for
the person it is meant for; and the portal's inbox turns a sent link back into its page."""
from datetime import date

import pytest

from services.common import links
from services.notifications.settings import NotifyConfig
from services.portal import create_app
from services.portal.views.me import portal_path

LINKS = [  # (path, the portal endpoint that must answer it)
    (links.family_home(), "family.home"),
    (links.book("w-1"), "family.book"),
    (links.booking("b-1"), "family.booking"),
    (links.booking("b-1", join=True), "family.booking"),
    (links.parent_input("st-1"), "family.parent_input"),
    (links.family_checkin("st-1"), "family.checkin_page"),
    (links.family_goals("st-1", "g-1"), "family.goals"),
    (links.family_report("st-1", "2026-11"), "family.report"),
    (links.student_checkin(), "student.checkin_page"),
    (links.student_goals(), "student.goals"),
    (links.teacher_home(), "teacher.home"),
    (links.agenda("w-1", date(2026, 10, 20)), "teacher.agenda"),
    (links.packet("st-1", "parent-input"), "teacher.packet"),
    (links.follow_ups(), "teacher.follow_ups"),
    (links.preferences(), "me.preferences"),
    (links.inbox(), "me.inbox"),
    (links.home(), "home.index"),
]


@pytest.fixture(scope="module")
def urls():
    return create_app({"secret_key": "test", "dev_login": False}).url_map.bind("confer.test")


@pytest.mark.parametrize("path,endpoint", LINKS)
def test_each_link_is_a_portal_page(urls, path, endpoint):
    route = path.split("#")[0].split("?")[0]
    assert urls.match(route, method="GET")[0] == endpoint


def test_every_link_builder_is_covered():
    builders = {name for name, fn in vars(links).items() if callable(fn) and getattr(fn, "__module__", "") ==
                links.__name__ and not name.startswith("_") and name[0].islower()}
    used = {"family_home", "book", "booking", "parent_input", "family_checkin", "family_goals", "family_report",
            "student_checkin", "student_goals", "teacher_home", "agenda", "packet", "follow_ups", "preferences",
            "inbox", "home"}
    assert builders == used


def test_ids_are_quoted_and_absolute_links_use_the_public_address():
    assert links.booking("b/1?x") == "/family/bookings/b%2F1%3Fx"
    assert NotifyConfig(public_url="https://portal.example.org/").url(links.booking("b-1")) == \
        "https://portal.example.org/family/bookings/b-1"
    assert NotifyConfig().url(links.preferences()) == "http://127.0.0.1:8000/preferences"  # the dev portal
    assert links.agenda("w-1") == "/teacher/windows/w-1/agenda"


@pytest.mark.parametrize("link,path", [
    ("http://127.0.0.1:8000/family/bookings/b-1", "/family/bookings/b-1"),
    ("https://confer.example.org/family/children/s-1/report?period=2026-11", "/family/children/s-1/report?period=2026-11"),
    ("https://x.test/family/children/s-1/goals#goal-g", "/family/children/s-1/goals#goal-g"),
    ("https://evil.test//other.test/x", None), (None, None), ("", None)])
def test_an_inbox_link_opens_its_portal_page_whatever_address_it_was_sent_with(link, path):
    assert portal_path(link) == path
