"""Database statements per use case stay within budgets (tests/statements.py counts them
with pymongo's command monitoring, deterministically, so a regression fails on any
machine). The budgets are the figures measured with bench/statements.py, rounded up a
little; see bench/README.md."""
import pytest

from services.common.sinks import Sink
from tests import statements

# Statements (commands) and transactions per unit, as measured plus a margin.
BUDGET_PER_DELIVERY = 0.6  # measured 0.46: recording + lanes + relay, e-mail + SMS + in-app
BUDGET_TRANSACTIONS_PER_DELIVERY = 0.05  # measured 0.028
BUDGET_PER_EVENT_BATCHED = 1.2  # measured 1.10; the handler's own update is one of them (3.0 one by one)
BUDGET_PER_BOOKING = 8  # measured 7.0 (1 transaction; 2 of them: the guardian's lock and other bookings, for the overlap rule)


@pytest.fixture
def providers(tmp_path, monkeypatch):
    mail, sms = Sink("smtp", str(tmp_path / "mail.log")), Sink("sms", str(tmp_path / "sms.log"))
    for k, v in {**mail.env, **sms.env, "NOTIFY_QUIET_HOURS": "00:00-00:00", "NOTIFY_RATE_LIMITS": "email=0,sms=0",
                 "CONFER_PUBLIC_URL": "https://confer.test"}.items():
        monkeypatch.setenv(k, v)
    yield mail, sms
    mail.stop()
    sms.stop()


def test_statements_per_delivery_of_a_fan_out(mongo_url, providers):
    mail, sms = providers
    got = statements.deliveries(mongo_url, 60)
    print(f"\nSTATEMENTS per delivery {got['per_delivery']:.3f}, transactions {got['transactions_per_delivery']:.3f}; "
          f"{ {k: (v[0], v[1]) for k, v in got['phases'].items()} }")
    assert mail.count() == 60 and sms.count() == 60
    assert got["per_delivery"] <= BUDGET_PER_DELIVERY, got
    assert got["transactions_per_delivery"] <= BUDGET_TRANSACTIONS_PER_DELIVERY, got


def test_statements_per_handled_event(mongo_url):
    got = statements.handled_events(mongo_url, 60)
    print(f"\nSTATEMENTS per event batched {got['batched']}, one by one {got['one_by_one']}")
    assert got["batched"][0] <= BUDGET_PER_EVENT_BATCHED, got
    assert got["batched"][0] < got["one_by_one"][0]


def test_statements_per_booking(mongo_url):
    got = statements.bookings(mongo_url, 20)
    print(f"\nSTATEMENTS per booking {got['per_booking']:.2f}, transactions {got['transactions']:.2f}: {got['by_name']}")
    assert got["per_booking"] <= BUDGET_PER_BOOKING, got
