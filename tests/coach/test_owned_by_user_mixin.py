"""OwnedByUserMixin is the one place ownership is applied: a view cannot skip it."""

import pytest
from rest_framework import generics

from coach.api.mixins import OwnedByUserMixin
from tests.factories import WeightEntryFactory
from users.models import WeightEntry


def test_a_view_that_overrides_get_queryset_is_refused():
    with pytest.raises(TypeError, match="safely_get_queryset"):

        class Leaky(OwnedByUserMixin, generics.ListAPIView):
            queryset = WeightEntry.objects.all()

            def get_queryset(self):
                return WeightEntry.objects.all()


def test_a_mixin_ahead_of_it_cannot_skip_it_either():
    class Unscoped:
        def get_queryset(self):
            return WeightEntry.objects.all()

    with pytest.raises(TypeError):

        class Leaky(Unscoped, OwnedByUserMixin, generics.ListAPIView):
            queryset = WeightEntry.objects.all()


@pytest.mark.django_db
def test_safely_get_queryset_is_still_scoped_to_the_owner(rf, user, other_user):
    mine = WeightEntryFactory(user=user)
    WeightEntryFactory(user=other_user)

    class Everything(OwnedByUserMixin, generics.ListAPIView):
        queryset = WeightEntry.objects.all()

        def safely_get_queryset(self, queryset):
            return WeightEntry.objects.all()  # even a fresh queryset gets the owner filter

    view = Everything()
    view.request = rf.get("/")
    view.request.user = user
    assert list(view.get_queryset()) == [mine]
