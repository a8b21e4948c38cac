"""Ownership lives here, once: every user-data view scopes its queryset to request.user."""

from django.db import transaction
from rest_framework.permissions import IsAuthenticated


class OwnedByUserMixin:
    """For views over models with a `user` foreign key.

    Objects of other users are simply not in the queryset, so reading, updating or
    deleting them answers 404 (not 403: no hint that the id exists). Creating always
    sets `user` from the request, so a client cannot write into someone else's account.
    """

    # Every user-data API inherits this mixin, and the owner filter is applied here and
    # nowhere else: `get_queryset` is final (a view class that overrides it, or puts a mixin
    # that does ahead of this one, fails when it is defined). A view that needs more
    # (prefetches, annotations, filters) overrides `safely_get_queryset`, whose result is
    # still scoped to the owner. (This docstring is the API docs' description of views that
    # have none of their own, hence the comment.)

    permission_classes = [IsAuthenticated]
    owner_field = "user"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.get_queryset is not OwnedByUserMixin.get_queryset:
            raise TypeError(
                f"{cls.__qualname__} overrides get_queryset, which would skip the owner "
                "filter; override safely_get_queryset instead."
            )

    def get_queryset(self):
        queryset = self.safely_get_queryset(super().get_queryset())
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return queryset.none()
        return queryset.filter(**{self.owner_field: self.request.user})

    def safely_get_queryset(self, queryset):
        return queryset

    def perform_create(self, serializer):
        serializer.save(**{self.owner_field: self.request.user})


class NonAtomicRequestsMixin:
    # For views that stream large bodies or decode video, or that must keep a write though
    # they answer an error: they open short transactions themselves instead of holding one
    # (on SQLite, the write lock) for the whole request. And for views whose reads need none
    # and whose writes are each a service's own transaction: a request transaction would
    # only add a BEGIN and a COMMIT round trip to every read (twice what a 304 costs
    # otherwise). (A comment, not a docstring: that would be the API docs' description of
    # views that have none of their own.)

    non_atomic_requests = True

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))
