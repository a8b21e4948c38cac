"""The event stream (`/api/v1/events/`, docs/events-protocol.md) through Channels' test
client: each event reaches every open socket of its user and no one else's."""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from notifications.models import Event
from tests.factories import UserFactory
from tests.workouts.factories import WorkoutSessionFactory
from tests.workouts.live.client import access_token, closed_with, session_cookie
from workouts.models import SessionStatus
from workouts.services import session_mark_failed

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS_PATH = "/api/v1/events/"


def socket(*, cookie=None, origin=None):
    from coach.asgi import application

    headers = [(b"cookie", cookie.encode())] if cookie else []
    if origin:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(application, EVENTS_PATH, headers=headers)


async def receive(comm, timeout=10) -> dict:
    return json.loads(await comm.receive_from(timeout=timeout))


async def signed_in_with_cookie(user):
    comm = socket(cookie=await database_sync_to_async(session_cookie)(user))
    assert (await comm.connect(timeout=10))[0]
    assert await receive(comm) == {"type": "ready", "user": user.pk}
    return comm


async def signed_in_with_token(user):
    comm = socket()
    assert (await comm.connect(timeout=10))[0]
    token = await database_sync_to_async(access_token)(user)
    await comm.send_json_to({"type": "auth", "token": token})
    assert await receive(comm) == {"type": "ready", "user": user.pk}
    return comm


def fail_a_session_of(user) -> int:
    session = WorkoutSessionFactory(user=user, status=SessionStatus.PROCESSING)
    session_mark_failed(session=session, code="unreadable_video", message="No frames.")
    return session.pk


def test_every_socket_of_the_user_gets_the_event_and_no_other_user_does():
    owner, stranger = UserFactory(), UserFactory()

    async def scenario():
        phone = await signed_in_with_token(owner)
        browser = await signed_in_with_cookie(owner)
        other = await signed_in_with_token(stranger)
        session_id = await database_sync_to_async(fail_a_session_of)(owner)
        event = await database_sync_to_async(Event.objects.get)()
        for comm in (phone, browser):
            message = await receive(comm)
            assert message == event.payload
            assert message["type"] == "session.failed"
            assert message["session"]["id"] == session_id
            assert message["session"]["error_code"] == "unreadable_video"
        assert await other.receive_nothing(timeout=1)
        for comm in (phone, browser, other):
            await comm.disconnect()

    async_to_sync(scenario)()


def test_events_from_before_the_socket_opened_are_not_sent():
    owner = UserFactory()
    fail_a_session_of(owner)

    async def scenario():
        comm = await signed_in_with_token(owner)
        assert await comm.receive_nothing(timeout=1)
        later = await database_sync_to_async(fail_a_session_of)(owner)
        assert (await receive(comm))["session"]["id"] == later
        await comm.disconnect()

    async_to_sync(scenario)()


def test_an_event_is_sent_once_though_it_is_read_again_within_the_grace_window():
    owner = UserFactory()

    async def scenario():
        comm = await signed_in_with_token(owner)
        first = await database_sync_to_async(fail_a_session_of)(owner)
        assert (await receive(comm))["session"]["id"] == first
        await asyncio.sleep(0.5)  # several reads, each seeing that event again
        assert await comm.receive_nothing(timeout=0.5)
        second = await database_sync_to_async(fail_a_session_of)(owner)
        assert (await receive(comm))["session"]["id"] == second
        await comm.disconnect()

    async_to_sync(scenario)()


def test_a_bad_token_closes_the_socket_with_4401():
    async def scenario():
        comm = socket()
        await comm.connect(timeout=10)
        await comm.send_json_to({"type": "auth", "token": "not-a-jwt"})
        assert (await receive(comm))["code"] == "not_authenticated"
        assert await closed_with(comm) == 4401

    async_to_sync(scenario)()


def test_a_cookie_from_another_sites_page_is_not_trusted():
    user = UserFactory()

    async def scenario():
        cookie = await database_sync_to_async(session_cookie)(user)
        comm = socket(cookie=cookie, origin="https://evil.example")
        await comm.connect(timeout=10)
        await comm.send_json_to({"type": "hello"})
        assert (await receive(comm))["code"] == "not_authenticated"
        assert await closed_with(comm) == 4401

    async_to_sync(scenario)()


def test_the_client_has_nothing_to_say_but_auth():
    user = UserFactory()

    async def scenario():
        comm = await signed_in_with_token(user)
        await comm.send_json_to({"type": "start"})
        assert await receive(comm) == {
            "type": "error",
            "code": "bad_message",
            "detail": "Unknown message type 'start'.",
        }
        await comm.send_to(bytes_data=b"\x00")
        assert (await receive(comm))["code"] == "bad_message"
        await comm.disconnect()

    async_to_sync(scenario)()
