"""A batch on its way to a worker (workouts/live/delivery.py): when the consumer sends it
again, by the beats its worker leaves on the staged row."""

import logging

import pytest
from asgiref.sync import async_to_sync

from workouts.live import consumer as live_consumer
from workouts.live import delivery
from workouts.live.delivery import BatchWatch


def test_a_beating_batch_is_waited_for():
    watch = BatchWatch(sent_at=0.0)
    for now in range(1, 60):
        assert watch.lost(now, float(now)) is None  # a worker beats: however long it takes


def test_a_batch_whose_worker_stopped_beating_is_lost_after_the_stall_time():
    watch = BatchWatch(sent_at=0.0)
    assert watch.lost(1, 1.0) is None
    assert watch.lost(4, 2.0) is None
    assert watch.lost(4, 2.0 + delivery.STALL_S - 0.1) is None
    assert watch.lost(4, 2.0 + delivery.STALL_S) == "its worker stopped"


def test_a_batch_nobody_took_is_sent_again_less_and_less_often():
    watch = BatchWatch(sent_at=0.0)
    assert watch.lost(0, delivery.PICKUP_S - 0.1) is None
    assert watch.lost(0, delivery.PICKUP_S) == "no worker took it"
    watch.sent_again(10.0)
    assert watch.lost(0, 10.0 + delivery.PICKUP_S) is None
    assert watch.lost(0, 10.0 + 2 * delivery.PICKUP_S) == "no worker took it"


def test_after_sending_again_the_old_beats_are_no_sign_of_life():
    """A batch its dead worker beat on keeps the count; the new message must move it."""
    watch = BatchWatch(sent_at=0.0)
    assert watch.lost(3, 1.0) is None
    assert watch.lost(3, 1.0 + delivery.STALL_S) == "its worker stopped"
    watch.sent_again(5.0)
    assert watch.lost(3, 5.0 + delivery.STALL_S) is None  # waiting for a worker: pickup time
    assert watch.lost(3, 5.0 + delivery.PICKUP_S) == "no worker took it"
    watch.sent_again(20.0)
    assert watch.lost(4, 21.0) is None  # taken
    assert watch.lost(4, 21.0 + delivery.STALL_S) == "its worker stopped"


def test_an_analysed_batch_whose_result_never_comes_is_asked_for_again():
    watch = BatchWatch(sent_at=0.0)
    assert watch.lost(2, 1.0) is None
    assert watch.lost(None, 1.5) is None  # stored: the result is on its way
    assert watch.lost(None, 1.5 + delivery.STALL_S) == "no result after its analysis"


def test_the_long_timeout_is_the_last_resort():
    watch = BatchWatch(sent_at=0.0)
    assert watch.lost(1, delivery.CHUNK_TIMEOUT_S - 1) is None
    assert watch.lost(2, delivery.CHUNK_TIMEOUT_S) == "timed out"


def test_checks_wait_until_a_batch_is_late():
    watch = BatchWatch(sent_at=0.0)
    assert not watch.check_due(delivery.FIRST_CHECK_S - 0.01)
    assert watch.check_due(delivery.FIRST_CHECK_S)
    watch.lost(1, delivery.FIRST_CHECK_S)
    assert not watch.check_due(delivery.FIRST_CHECK_S + delivery.CHECK_EVERY_S - 0.01)
    assert watch.check_due(delivery.FIRST_CHECK_S + delivery.CHECK_EVERY_S)


class Result:
    """A Celery result that a dead worker never fills, or one that is there."""

    def __init__(self, outcome=None):
        self.outcome = outcome

    def ready(self):
        return self.outcome is not None

    @property
    def result(self):
        return self.outcome

    def failed(self):
        return False

    def forget(self): ...


@pytest.mark.parametrize(
    ("beats", "reason"),
    [([1, 2, 3] + [3] * 1000, "its worker stopped"), ([0] * 1000, "no worker took it")],
)
def test_the_consumer_sends_a_lost_batch_again(monkeypatch, caplog, beats, reason):
    monkeypatch.setattr(delivery, "FIRST_CHECK_S", 0.0)
    monkeypatch.setattr(delivery, "CHECK_EVERY_S", 0.01)
    monkeypatch.setattr(delivery, "STALL_S", 0.2)
    monkeypatch.setattr(delivery, "PICKUP_S", 0.3)
    monkeypatch.setattr(live_consumer, "RESULT_POLL_S", 0.005)
    answer = {"status": "live", "frames": 3}
    sent = []

    def enqueue(*, session_id, batch_id):
        sent.append(batch_id)
        return Result(answer if len(sent) == 2 else None)

    counts = iter(beats)
    services = live_consumer.live_services
    monkeypatch.setattr(services, "live_stage_batch", lambda **kwargs: 7)
    monkeypatch.setattr(services, "live_batch_enqueue", enqueue)
    monkeypatch.setattr(services, "live_batch_beats", lambda *, batch_id: next(counts))
    consumer = live_consumer.LiveSessionConsumer()
    consumer.connection = "c"
    with caplog.at_level(logging.WARNING, logger=live_consumer.__name__):
        assert async_to_sync(consumer._run_chunk)(1, [{"t": 0.0}]) == answer
    assert sent == [7, 7]
    assert f"lost ({reason}); sending it again" in caplog.text


class Unreachable(Result):
    """The result store restarting (a broker and result Redis restarted): asking fails."""

    def ready(self):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.parametrize("fails_at", ["sending", "asking for the result"])
def test_a_broker_away_for_a_moment_costs_the_batch_nothing(monkeypatch, caplog, fails_at):
    """The batch is staged in the database: it is sent again, never dropped (dropping it
    lost its frames for good: the next batch's frames moved the session past them)."""
    monkeypatch.setattr(live_consumer, "BROKER_RETRY_S", 0.01)
    answer = {"status": "live", "frames": 3}
    sent = []

    def enqueue(*, session_id, batch_id):
        sent.append(batch_id)
        if len(sent) == 1:
            if fails_at == "sending":
                raise ConnectionRefusedError(111, "Connection refused")
            return Unreachable()
        return Result(answer)

    services = live_consumer.live_services
    monkeypatch.setattr(services, "live_stage_batch", lambda **kwargs: 7)
    monkeypatch.setattr(services, "live_batch_enqueue", enqueue)
    consumer = live_consumer.LiveSessionConsumer()
    consumer.connection = "c"
    with caplog.at_level(logging.WARNING, logger=live_consumer.__name__):
        assert async_to_sync(consumer._run_chunk)(1, [{"t": 0.0}]) == answer
    assert sent == [7, 7]
    assert "broker or result store unreachable" in caplog.text
