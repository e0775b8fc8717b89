"""The delivery engine: one lane per channel that leaves the building (e-mail, SMS,
webhooks), each with its own bounded pool of sender threads and its own queue of due
work, so a slow or dead channel never delays another. (In-app deliveries need no lane:
they are delivered when recorded.)

A lane's claimer takes due deliveries of its channel in batches: one find, one
conditional update_many that gives them a lease (status "sending", this claim's token;
its match count says whether another worker took some), and one read each of the
recipients, their preferences and the schools (cached) needed to render them. Sender
threads then, outside any transaction: render the message in the recipient's language
of now, take a token from the provider's rate limit, ask the provider's circuit breaker,
store the send journal entry, send (an SMTP session or HTTP connection kept per
thread), and hand the outcome to the outcome writer (`outcomes.py`), which records
outcomes in short batched transactions. Leases of deliveries held are renewed; a lease
that lapsed (its worker died) is taken over, and the journal tells a send of unknown
outcome (resent at most once, counted) from one never tried.

A provider's breaker opens after NOTIFY_BREAKER_FAILURES failures in a row: its lane
stops claiming (deliveries wait, no try is used) and probes the provider with one
delivery per cool-down; the first success closes it and the backlog drains.
"""
from __future__ import annotations

import os
import queue
import socket
import threading
import time
import uuid
from datetime import timedelta

from pymongo import ASCENDING
from pymongo.errors import PyMongoError

from services.access import StudentDirectory
from services.common import logs, metrics
from services.common.resilience import CLOSED, HALF_OPEN, OPEN, STATE_VALUE, CircuitBreaker, TokenBucket
from services.notifications import settings as config
from services.notifications.adapters import repository as repo
from services.notifications.adapters.channels import OutcomeUnknown, PermanentSendError, ProviderUnavailable, \
    TransientSendError
from services.notifications.application.deliveries import provider_for
from services.notifications.application.attempts import FAILED, RELEASE, RETRY, SENT, SKIPPED, Job, Outcome
from services.notifications.adapters.directory import Recipient
from services.notifications.adapters.outcomes import Journal, OutcomeWriter
from services.notifications.application.sending import SENDERS, Skip

log = logs.get("confer.notifications")

CLAIM_PER_THREAD = 8  # deliveries a lane holds per sender thread (one claim fills half of it or more)
SEND_GROUP = 4  # deliveries a sender takes from its lane's queue at a time
SCHOOL_CACHE_SECONDS = 60.0
MAX_IDLE_SECONDS = 5.0  # an idle lane looks for due work at least this often (other workers record too)


class Lane:
    def __init__(self, engine: "DeliveryEngine", channel: str):
        self.engine, self.channel = engine, channel
        self.store, self.cfg = engine.store, engine.cfg
        self.threads = self.cfg.lane_threads(channel)
        self.capacity = self.threads * CLAIM_PER_THREAD
        self.queue: queue.Queue = queue.Queue()
        self.held: dict[str, Job] = {}
        self._held_lock = threading.Lock()
        self.providers: dict[str, tuple[CircuitBreaker, TokenBucket]] = {}
        self._providers_lock = threading.Lock()
        self.wake = self.store.signal(f"deliveries:{channel}")
        self._last_renew = self._last_expired_scan = 0.0

    # -- providers: breaker and rate limit -----------------------------------------
    def provider(self, name: str) -> tuple[CircuitBreaker, TokenBucket]:
        with self._providers_lock:
            if name not in self.providers:
                label = name.split(":", 1)[-1]
                breaker = CircuitBreaker(name, failures=self.cfg.breaker_failures, cooldown=self.cfg.breaker_cooldown,
                                         max_cooldown=self.cfg.breaker_max_cooldown,
                                         on_change=lambda _n, state, label=label: self._breaker_changed(label, state))
                rate = self.cfg.rate_limit(self.channel)
                self.providers[name] = (breaker, TokenBucket(rate, burst=max(1.0, rate)))
                metrics.NOTIFICATION_BREAKER_STATE.labels(self.channel, label).set(0)
            return self.providers[name]

    def _breaker_changed(self, label: str, state: str) -> None:
        metrics.NOTIFICATION_BREAKER_STATE.labels(self.channel, label).set(STATE_VALUE[state])
        (log.info if state == CLOSED else log.warning)("circuit breaker " + state.replace("_", "-"),
                                                       channel=self.channel, provider=label)
        if state != OPEN:
            self.wake.set()

    def _blocked(self) -> tuple[list[str], list[str]]:
        """(providers not to claim for, of those the ones due a probe)."""
        blocked, probes = [], []
        with self._providers_lock:
            items = list(self.providers.items())
        for name, (breaker, _) in items:
            state = breaker.state
            if state != CLOSED:
                blocked.append(name)
                if state == HALF_OPEN and not breaker.probing:
                    probes.append(name)
        return blocked, probes

    # -- claiming ------------------------------------------------------------------
    def _lease(self, now, token: str) -> dict:
        return {"token": token, "owner": self.engine.owner, "until": now + timedelta(seconds=self.cfg.lease_seconds)}

    def _take(self, query: dict, limit: int, sort: bool = True, skip: set = frozenset()) -> tuple[list[dict], str]:
        coll = self.store.db[repo.DELIVERIES]
        cursor = coll.find(query)
        if sort:
            cursor = cursor.sort("due_at", ASCENDING)
        found = [d for d in cursor.limit(limit + len(skip)) if d["_id"] not in skip][:limit]
        if not found:
            return [], ""
        now, token = self.store.clock(), uuid.uuid4().hex
        ids = [d["_id"] for d in found]
        res = coll.update_many({**query, "_id": {"$in": ids}},
                               {"$set": {"status": repo.SENDING, "lease": self._lease(now, token)}})
        if res.modified_count != len(ids):  # another worker claimed some: which are ours?
            ours = {d["_id"] for d in coll.find({"_id": {"$in": ids}, "lease.token": token}, {"_id": 1})}
            found = [d for d in found if d["_id"] in ours]
        return found, token

    def claim(self, limit: int, *, exclude=(), only: str | None = None, fresh_only: bool = False) -> list[Job]:
        now = self.store.clock()
        query = {"status": {"$in": list(repo.OPEN)}, "channel": self.channel, "due_at": {"$lte": now}}
        if only is not None:
            query["provider"] = only
        elif exclude:
            query["provider"] = {"$nin": list(exclude)}
        if fresh_only:  # a probe should not be a resend of an unknown outcome
            query["unknown_outcomes"] = {"$in": [None, 0]}
        docs, token = self._take(query, limit)
        return [Job(d, token, int(d.get("attempts", 0)) + 1) for d in docs]

    def claim_expired(self, limit: int) -> list[Job]:
        """Deliveries whose claim lapsed (their worker died mid-send): the journal says
        which tries may have gone out."""
        now = self.store.clock()
        # Not those this engine still works on: their outcome is coming (its clock may have jumped).
        docs, token = self._take({"status": repo.SENDING, "channel": self.channel, "lease.until": {"$lt": now}},
                                 limit, sort=False, skip=self.engine.in_hand())
        if not docs:
            return []
        journal = list(self.store.db[repo.JOURNAL].find({"delivery_id": {"$in": [d["_id"] for d in docs]}}))
        jobs = []
        for d in docs:
            entries = [e for e in journal if e["delivery_id"] == d["_id"]]
            attempts = int(d.get("attempts", 0))
            job = Job(d, token, attempts + 1)
            if any(e.get("state") == "accepted" for e in entries):  # written by earlier versions
                job.extra["accepted"] = True
            unknown = [e for e in entries if e.get("state") == "sending" and int(e.get("attempt", 0)) > attempts]
            if unknown:
                d["unknown_outcomes"] = int(d.get("unknown_outcomes", 0)) + 1
                job.attempt = max(attempts, *(int(e["attempt"]) for e in unknown)) + 1
                log.warning("a send of unknown outcome (worker stopped mid-send)", delivery_id=d["_id"],
                            message_id=d.get("message_id"))
            jobs.append(job)
        return jobs

    def load(self, jobs: list[Job]) -> None:
        """Everything the senders need, read once per claim."""
        if not jobs:
            return
        db = self.store.db
        if self.channel == "webhook":
            ids = {j.d.get("content", {}).get("webhook_id") for j in jobs}
            subs = {s["_id"]: s for s in db[repo.WEBHOOKS].find({"_id": {"$in": list(ids)}})}
            for j in jobs:
                j.extra["webhook"] = subs.get(j.d.get("content", {}).get("webhook_id"))
            return
        rids = list({j.d["recipient_id"] for j in jobs})
        people = {p["_id"]: p for p in db[repo.RECIPIENTS].find({"_id": {"$in": rids}})}
        prefs = {p["_id"]: p for p in db[repo.PREFERENCES].find({"_id": {"$in": rids}})}
        schools = self.engine.schools({j.d["school_id"] for j in jobs})
        for j in jobs:
            person = people.get(j.d["recipient_id"])
            j.extra["recipient"] = Recipient.from_docs(person, prefs.get(person["_id"])) if person else None
            j.extra["school"] = schools.get(j.d["school_id"])

    def _hold(self, jobs: list[Job]) -> None:
        with self._held_lock:
            for j in jobs:
                self.held[j.id] = j
        for j in jobs:
            self.queue.put(j)

    def _drop(self, job: Job) -> None:
        with self._held_lock:
            self.held.pop(job.id, None)

    def renew_leases(self) -> None:
        with self._held_lock:
            ids = list(self.held)
        if ids:
            until = self.store.clock() + timedelta(seconds=self.cfg.lease_seconds)
            self.store.db[repo.DELIVERIES].update_many(
                {"_id": {"$in": ids}, "status": repo.SENDING, "lease.owner": self.engine.owner},
                {"$set": {"lease.until": until}})

    def fill(self) -> int:
        """One claim round: lapsed leases now and then, then due work up to capacity, and
        a probe for each provider whose breaker waits for one."""
        now = time.monotonic()
        jobs: list[Job] = []
        if now - self._last_expired_scan >= self.cfg.lease_seconds / 3:
            self._last_expired_scan = now
            jobs += self.claim_expired(self.capacity)
        with self._held_lock:
            free = self.capacity - len(self.held) - len(jobs)
        blocked, probes = self._blocked()
        if free > 0 and (free * 2 >= self.capacity or not self.held):
            if not (self.channel != "webhook" and blocked):  # e-mail and SMS have one provider
                jobs += self.claim(free, exclude=blocked)
        for name in probes:
            probe = self.claim(1, only=name, fresh_only=True) or self.claim(1, only=name)
            for j in probe:
                j.probe = True
            jobs += probe
        self.load(jobs)
        self._hold(jobs)
        return len(jobs)

    # -- sending -------------------------------------------------------------------
    def _precheck(self, job: Job, sender, now) -> Outcome | None:
        """What needs no provider: already sent, not to be sent, or rendered now."""
        d = job.d
        if job.extra.get("accepted"):
            return Outcome(job, SENT, ref=d.get("message_id"))
        if int(d.get("unknown_outcomes", 0)) >= 2:
            return Outcome(job, FAILED, code="retries_exhausted", error="outcome unknown twice; not sent again")
        try:
            job.extra["prepared"] = sender.prepare(job, now)
        except Skip as skip:
            return Outcome(job, SKIPPED, code=skip.reason)
        except Exception as exc:  # noqa: BLE001 - a message that cannot be rendered never will be
            log.error("delivery could not be rendered", delivery_id=job.id, error=repr(exc))
            return Outcome(job, FAILED, code="refused", error=f"could not render: {exc!r}")
        return None

    def _provider_of(self, job: Job) -> tuple[CircuitBreaker, TokenBucket]:
        return self.provider(job.d.get("provider") or provider_for(self.channel, job.d.get("content")))

    def _send(self, job: Job, sender, allowed: str, breaker: CircuitBreaker, bucket: TokenBucket) -> Outcome:
        """Hand one journalled, allowed message to the provider; its outcome."""
        d = job.d
        job.resend = int(d.get("unknown_outcomes", 0)) >= 1 and not d.get("resent_after_unknown")
        if int(d.get("unknown_outcomes", 0)) >= 1:
            log.warning("retrying a send of unknown outcome", delivery_id=job.id, message_id=d.get("message_id"),
                        channel=self.channel)
            if job.resend:
                metrics.NOTIFICATION_UNKNOWN_RESENDS.labels(self.channel).inc()
        started = time.perf_counter()
        try:
            ref = sender.send(job.extra["prepared"], job)
        except PermanentSendError as exc:
            breaker.success()  # the provider answered
            return Outcome(job, FAILED, code="refused", error=str(exc))
        except ProviderUnavailable as exc:
            if exc.code == 429:  # throttled: slow down, do not count it against the message
                bucket.hold(exc.retry_after or 1.0)
                breaker.release_probe()
                return Outcome(job, RELEASE, delay_until=self.store.clock() + timedelta(seconds=exc.retry_after or 1))
            breaker.failure()
            if allowed != CLOSED:  # a failed probe: the delivery waits for the next one, no try used
                wait = max(1.0, breaker.seconds_until_probe())
                return Outcome(job, RELEASE, error=str(exc), delay_until=self.store.clock() + timedelta(seconds=wait))
            return Outcome(job, RETRY, error=str(exc), retry_after=exc.retry_after)
        except OutcomeUnknown as exc:
            breaker.failure()
            return Outcome(job, RETRY, error=str(exc), unknown=True)
        except TransientSendError as exc:
            breaker.failure()
            return Outcome(job, RETRY, error=str(exc), retry_after=exc.retry_after)
        except Exception as exc:  # noqa: BLE001 - a surprise is retried within the budget
            breaker.failure()
            log.warning("unexpected send error", delivery_id=job.id, error=repr(exc))
            return Outcome(job, RETRY, error=repr(exc))
        finally:
            metrics.NOTIFICATION_SEND_SECONDS.labels(self.channel).observe(time.perf_counter() - started)
        breaker.success()
        return Outcome(job, SENT, ref=ref)

    def send_group(self, jobs: list[Job], sender, stop: threading.Event, put, *, batched: bool = False) -> None:
        """Render, gate, journal and send some claimed jobs in turn; `put` each outcome.

        The journal is written with the sends: a run of up to NOTIFY_JOURNAL_GROUP
        messages is marked "sending" in one write, which also carries the "accepted"
        marks of the run before (shared with other senders' writes). After a crash the
        sends of the run in progress are of unknown outcome (resent once, counted); a
        group of 1 narrows that to the one send in progress, at a write per send.
        `batched` (one thread, tests): one "sending" write for all, one "accepted" at
        the end."""
        journal = self.engine.journal
        now = self.store.clock()
        ready = []
        for job in jobs:
            early = Outcome(job, RELEASE) if stop.is_set() else self._precheck(job, sender, now)
            if early is not None:
                put(early)
            else:
                ready.append(job)
        group = len(ready) if batched else max(1, self.cfg.journal_group)
        accepted: list[Job] = []
        for k, job in enumerate(ready):
            breaker, bucket = self._provider_of(job)
            allowed = "" if stop.is_set() else breaker.allow()
            if not allowed:
                put(Outcome(job, RELEASE))
                continue
            if accepted and bucket.try_acquire() > 0:
                journal.write(accepted=accepted)  # do not leave them unwritten while waiting
                accepted = []
            if not bucket.acquire(stop):
                breaker.release_probe()
                put(Outcome(job, RELEASE))
                continue
            if "journal_id" not in job.extra:
                run = [j for j in ready[k:k + group] if "journal_id" not in j.extra]
                try:
                    journal.write(accepted=accepted, sending=run)
                    accepted = []
                except PyMongoError as exc:
                    breaker.release_probe()
                    log.warning("could not journal a send; not sent now", delivery_id=job.id, error=str(exc))
                    put(Outcome(job, RELEASE))
                    continue
            outcome = self._send(job, sender, allowed, breaker, bucket)
            if outcome.kind == SENT:
                accepted.append(job)
            put(outcome)
        if accepted:
            try:
                journal.write(accepted=accepted)
            except PyMongoError as exc:  # their outcomes still record them
                log.warning("could not journal accepted sends", count=len(accepted), error=str(exc))

    def sender_loop(self, stop: threading.Event) -> None:
        sender = SENDERS[self.channel](self.cfg)

        def put(outcome: Outcome) -> None:
            self.engine.outcomes.put(outcome)
            self._drop(outcome.job)

        try:
            while True:
                try:
                    group = [self.queue.get(timeout=0.5)]
                except queue.Empty:
                    if stop.is_set():
                        return
                    continue
                while len(group) < SEND_GROUP:
                    try:
                        group.append(self.queue.get_nowait())
                    except queue.Empty:
                        break
                self.send_group(group, sender, stop, put)
                self.wake.set()
        finally:
            sender.close()

    def claimer_loop(self, stop: threading.Event) -> None:
        while not stop.is_set():
            claimed = 0
            try:
                if time.monotonic() - self._last_renew >= self.cfg.lease_seconds / 3:
                    self._last_renew = time.monotonic()
                    self.renew_leases()
                claimed = self.fill()
                wait = 0.0 if claimed else self._idle_seconds()
            except PyMongoError as exc:
                log.warning("could not claim deliveries; retrying", channel=self.channel, error=str(exc))
                wait = 1.0
            if wait:
                self.wake.wait(wait)  # a handler that records deliveries, or a sender that is free, wakes it
                self.wake.clear()

    def _idle_seconds(self) -> float:
        """Nothing claimed: how long to wait before looking again (unless woken)."""
        waits = [MAX_IDLE_SECONDS]
        with self._providers_lock:
            breakers = [b for b, _ in self.providers.values()]
        waits += [max(0.05, b.seconds_until_probe()) for b in breakers if b.state != CLOSED]
        with self._held_lock:
            busy = len(self.held) * 2 > self.capacity
        if busy:  # due work waits for a free sender, who wakes this thread
            waits.append(self.engine.poll_seconds)
        else:
            nxt = self.store.db[repo.DELIVERIES].find_one({"status": {"$in": list(repo.OPEN)}, "channel": self.channel},
                                                          {"due_at": 1}, sort=[("due_at", ASCENDING)])
            if nxt is not None:  # deferred (quiet hours, back-off): look again when it is due
                waits.append(max(self.engine.poll_seconds,
                                 (nxt["due_at"] - self.store.clock()).total_seconds()))
        return min(waits)

    def release_queued(self) -> None:
        while True:
            try:
                job = self.queue.get_nowait()
            except queue.Empty:
                return
            self.engine.outcomes.put(Outcome(job, RELEASE))
            self._drop(job)


class DeliveryEngine:
    """Every lane of one worker process, its journal and its outcome writer.
    `run()` until `stop()`; `run_until_idle()` does the same work in the calling thread
    (tests and the statement-count benchmark)."""

    def __init__(self, store, settings=None, *, poll_seconds: float = 1.0, monitor_seconds: float = 15.0):
        self.store = store
        self.cfg = config.load()
        self.poll_seconds = poll_seconds
        self.monitor_seconds = monitor_seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self)}"
        self.journal = Journal(store)
        self.lanes = {ch: Lane(self, ch) for ch in config.LANE_CHANNELS}
        self.outcomes = OutcomeWriter(store)
        self.stop_event = threading.Event()
        self._schools: dict[str, tuple[float, dict]] = {}
        self._schools_lock = threading.Lock()

    def in_hand(self) -> set:
        """Deliveries this engine claimed whose outcome is not recorded yet."""
        ids = set(self.outcomes.pending_ids())
        for lane in self.lanes.values():
            with lane._held_lock:
                ids.update(lane.held)
        return ids

    def schools(self, ids: set) -> dict[str, dict]:
        now = time.monotonic()
        with self._schools_lock:
            have = {i: doc for i, (at, doc) in self._schools.items() if i in ids and now - at < SCHOOL_CACHE_SECONDS}
        missing = [i for i in ids if i not in have]
        if missing:
            for doc in self.store.db[StudentDirectory.SCHOOLS].find({"_id": {"$in": missing}}):
                have[doc["_id"]] = doc
                with self._schools_lock:
                    self._schools[doc["_id"]] = (now, doc)
        return have

    # -- threads -------------------------------------------------------------------
    def run(self) -> None:
        threads = [threading.Thread(target=self.outcomes.run, daemon=True, name="notify-outcomes"),
                   threading.Thread(target=self._monitor, daemon=True, name="notify-monitor")]
        for lane in self.lanes.values():
            threads.append(threading.Thread(target=lane.claimer_loop, args=(self.stop_event,), daemon=True,
                                            name=f"notify-{lane.channel}-claim"))
            threads += [threading.Thread(target=lane.sender_loop, args=(self.stop_event,), daemon=True,
                                         name=f"notify-{lane.channel}-{i}") for i in range(lane.threads)]
        for t in threads:
            t.start()
        log.info("delivery lanes started", lanes={c: lane.threads for c, lane in self.lanes.items()})
        self.stop_event.wait()
        for t in threads[2:]:
            t.join(30)
        for lane in self.lanes.values():
            lane.release_queued()
        self.outcomes.stop()
        threads[0].join(30)

    def stop(self) -> None:
        self.stop_event.set()
        for lane in self.lanes.values():
            lane.wake.set()

    def _monitor(self) -> None:
        while not self.stop_event.is_set():
            try:
                self.measure()
            except PyMongoError as exc:
                log.info("could not measure the delivery backlog", error=str(exc))
            self.stop_event.wait(self.monitor_seconds)

    def measure(self) -> dict[str, tuple[int, float]]:
        """Per channel: deliveries due and not sent, and how long the oldest has waited."""
        now, coll, out = self.store.clock(), self.store.db[repo.DELIVERIES], {}
        for channel in self.lanes:
            query = {"status": {"$in": [*repo.OPEN, repo.SENDING]}, "channel": channel, "due_at": {"$lte": now}}
            due = coll.count_documents(query)
            oldest = coll.find_one(query, {"due_at": 1}, sort=[("due_at", ASCENDING)]) if due else None
            age = max(0.0, (now - oldest["due_at"]).total_seconds()) if oldest else 0.0
            metrics.NOTIFICATION_DUE.labels(channel).set(due)
            metrics.NOTIFICATION_OLDEST_DUE_AGE.labels(channel).set(age)
            out[channel] = (due, age)
        return out

    # -- in the calling thread -------------------------------------------------------
    def run_until_idle(self, max_rounds: int = 100) -> int:
        """Claim and send until no lane finds due work; returns how many tries were made.
        Each claimed batch is journalled in one write, then sent in turn."""
        senders = {ch: SENDERS[ch](self.cfg) for ch in self.lanes}
        done = 0
        try:
            for _ in range(max_rounds):
                round_done = 0
                for channel, lane in self.lanes.items():
                    lane._last_expired_scan = 0.0
                    lane.fill()
                    jobs = []
                    while True:
                        try:
                            jobs.append(lane.queue.get_nowait())
                        except queue.Empty:
                            break
                    if not jobs:
                        continue
                    lane.send_group(jobs, senders[channel], self.stop_event, self.outcomes.put, batched=True)
                    for job in jobs:
                        lane._drop(job)
                    round_done += len(jobs)
                self.outcomes.flush()
                done += round_done
                if not round_done:
                    return done
        finally:
            for sender in senders.values():
                sender.close()
        return done
