"""Ownership lives here, once: every user-data view scopes its queryset to request.user."""

from django.db import transaction
from rest_framework.permissions import IsAuthenticated


class OwnedByUserMixin:
    """For views over models with a `user` foreign key.

    Objects of other users are simply not in the queryset, so reading, updating or
    deleting them answers 404 (not 403: no hint that the id exists). Creating always
    sets `user` from the request, so a client cannot write into someone else's account.
    """

    permission_classes = [IsAuthenticated]
    owner_field = "user"

    def get_queryset(self):
        return super().get_queryset().filter(**{self.owner_field: self.request.user})

    def perform_create(self, serializer):
        serializer.save(**{self.owner_field: self.request.user})


class NonAtomicRequestsMixin:
    """For views that stream large bodies or decode video, or that must keep a write though
    they answer an error: they open short transactions themselves instead of holding one
    (on SQLite, the write lock) for the whole request."""

    non_atomic_requests = True

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))
