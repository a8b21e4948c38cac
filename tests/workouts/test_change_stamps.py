"""Sessions and bouts renew their owner's change stamp however they change: the services,
queryset updates the workers make, deletes that cascade from the account."""

import pytest

from tests.workouts.conftest import engine_result
from tests.workouts.factories import BoutFactory, WorkoutSessionFactory
from users.selectors import change_stamp
from workouts import services
from workouts.models import Bout, SessionStatus, WorkoutSession

pytestmark = pytest.mark.django_db


def renews(user, change) -> bool:
    before = change_stamp(user=user)
    change()
    return change_stamp(user=user) != before


def test_rows_renew_it_however_they_change(user, other_user):
    session = WorkoutSessionFactory(user=user)
    others = change_stamp(user=other_user)
    assert renews(user, lambda: WorkoutSessionFactory(user=user))
    assert renews(user, lambda: BoutFactory(session=session))
    assert renews(user, lambda: WorkoutSession.objects.filter(pk=session.pk).update(title="x"))
    assert renews(user, lambda: Bout.objects.filter(session=session).update(reps=3))
    assert renews(user, lambda: Bout.objects.filter(session=session).delete())
    assert renews(user, session.delete)
    assert change_stamp(user=other_user) == others


def test_what_the_services_and_workers_do_renews_it(user):
    session = WorkoutSessionFactory(user=user, status=SessionStatus.PROCESSING, progress=0)
    assert renews(user, lambda: services.session_set_progress(session_id=session.pk, fraction=0.5))
    result = engine_result({}).to_dict()
    assert renews(
        user,
        lambda: services.session_record_analysis(session=session, result=result, body_metrics={}),
    )
    assert renews(user, lambda: services.session_update(session=session, title="Legs"))
    assert renews(user, lambda: services.session_delete_video(session=session))
    assert renews(
        user, lambda: services.session_mark_failed(session=session, code="x", message="y")
    )


def test_deleting_the_account_takes_everything_with_it(user):
    BoutFactory(session=WorkoutSessionFactory(user=user))
    user.delete()
    assert not WorkoutSession.objects.exists() and not Bout.objects.exists()
