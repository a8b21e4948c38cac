"""The sessions list pages by cursor unless a client asks for page numbers: following
`next` neither repeats nor skips a session while new ones arrive."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.workouts.factories import BoutFactory, WorkoutSessionFactory

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
START = datetime(2024, 1, 1, 8, tzinfo=UTC)


@pytest.fixture
def seven_sessions(user):
    # Two share a start time: the id breaks the tie.
    starts = [START + timedelta(days=d) for d in (0, 1, 2, 3, 3, 4, 5)]
    return [
        WorkoutSessionFactory(user=user, started_at=s, title=f"S{i}") for i, s in enumerate(starts)
    ]


def ids(page) -> list[int]:
    return [s["id"] for s in page["results"]]


def get(api, url, params=None):
    response = api.get(url, params)
    assert response.status_code == 200, response.json()
    return response.json()


def walk(api, url, link="next"):
    pages = []
    while url:
        pages.append(get(api, url))
        url = pages[-1][link]
    return pages


def newest_first(sessions) -> list[int]:
    return [s.id for s in sorted(sessions, key=lambda s: (s.started_at, s.id), reverse=True)]


def test_next_links_walk_every_session_once_in_order(api, seven_sessions):
    pages = walk(api, f"{SESSIONS}?page_size=3")
    assert [len(p["results"]) for p in pages] == [3, 3, 1]
    assert [i for p in pages for i in ids(p)] == newest_first(seven_sessions)
    assert all(p["count"] == 7 for p in pages)
    assert "cursor=" in pages[0]["next"] and "page_size=3" in pages[0]["next"]
    assert pages[0]["previous"] is None and pages[-1]["next"] is None


def test_new_sessions_do_not_shift_the_pages(api, user, seven_sessions):
    first = get(api, SESSIONS, {"page_size": 3})
    for n in range(2):  # two new workouts while the app scrolls
        WorkoutSessionFactory(user=user, started_at=START + timedelta(days=10 + n))
    rest = walk(api, first["next"])
    seen = ids(first) + [i for p in rest for i in ids(p)]
    assert seen == newest_first(seven_sessions)


def test_previous_links_walk_back(api, seven_sessions):
    pages = walk(api, f"{SESSIONS}?page_size=3")
    back = walk(api, pages[-1]["previous"], link="previous")
    assert [ids(p) for p in back] == [ids(p) for p in reversed(pages[:-1])]
    assert back[-1]["previous"] is None and back[0]["next"]


def test_oldest_first_by_cursor_too(api, seven_sessions):
    pages = walk(api, f"{SESSIONS}?page_size=4&ordering=started_at")
    assert [i for p in pages for i in ids(p)] == newest_first(seven_sessions)[::-1]


def test_filters_go_along(api, user, seven_sessions):
    for session in seven_sessions[:5]:
        BoutFactory(session=session, exercise="lunge")
    pages = walk(api, f"{SESSIONS}?page_size=2&exercise=lunge")
    assert [i for p in pages for i in ids(p)] == newest_first(seven_sessions[:5])


def test_the_count_follows_every_change_and_filter(api, user, seven_sessions):
    # The count is kept while the user's sessions are unchanged: it must never be stale.
    for session in seven_sessions[:3]:
        BoutFactory(session=session, exercise="lunge")
    assert get(api, SESSIONS)["count"] == 7
    assert get(api, SESSIONS, {"exercise": "lunge"})["count"] == 3
    WorkoutSessionFactory(user=user, started_at=START + timedelta(days=20))
    assert get(api, SESSIONS)["count"] == 8
    seven_sessions[0].delete()
    assert get(api, SESSIONS, {"page_size": 2})["count"] == 7
    assert get(api, SESSIONS, {"exercise": "lunge"})["count"] == 2


def test_a_page_emptied_meanwhile_links_back(api, user, seven_sessions):
    first = get(api, SESSIONS, {"page_size": 5})
    for session in seven_sessions[:2]:  # the two oldest, all the next page had
        session.delete()
    empty = get(api, first["next"])
    assert empty["results"] == [] and empty["next"] is None
    assert ids(get(api, empty["previous"]))[-1] == ids(first)[-1]


def test_page_numbers_still_work(api, seven_sessions):
    page = get(api, SESSIONS, {"page": 2, "page_size": 3})
    assert ids(page) == newest_first(seven_sessions)[3:6]
    assert "page=3" in page["next"] and "page=1" not in page["previous"]
    assert page["count"] == 7


def test_another_ordering_pages_by_number(api, seven_sessions):
    page = get(api, SESSIONS, {"ordering": "-total_kcal", "page_size": 3})
    assert "page=2" in page["next"] and "cursor" not in page["next"]


def test_a_cursor_that_does_not_fit_is_refused(api, seven_sessions):
    cursor = parse_qs(urlsplit(get(api, SESSIONS, {"page_size": 2})["next"]).query)["cursor"][0]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    for params in [
        {"cursor": "not-a-cursor"},
        {"cursor": tampered},  # only cursors this server wrote are read
        {"cursor": cursor, "page": "2"},
        {"cursor": cursor, "ordering": "total_kcal"},
    ]:
        response = api.get(SESSIONS, params)
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["attr"] == "cursor"


def test_other_users_sessions_stay_out(api, other_user, seven_sessions):
    WorkoutSessionFactory(user=other_user, started_at=START + timedelta(days=2, hours=1))
    pages = walk(api, f"{SESSIONS}?page_size=2")
    assert [i for p in pages for i in ids(p)] == newest_first(seven_sessions)
