from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, 50 by default, at most 200.

    A page_size that is not a positive whole number is an error, not silently ignored,
    so a client bug shows up at once.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isdigit() and int(raw) > 0):
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        f"Must be a whole number from 1 to {self.max_page_size}."
                    ]
                }
            )
        return super().get_page_size(request)


NOT_A_CURSOR = "Not a cursor this list gave: follow its next and previous links."


@dataclass(frozen=True)
class Cursor:
    """Where a keyset page starts: the rows after (or before) the boundary row, in the order
    shown, and the boundary row itself when `inclusive`."""

    forward: bool
    value: str  # the keyset field's value, as text
    pk: int
    inclusive: bool = False

    # Signed: a cursor is only ever one this server wrote, so what it holds needs no more
    # checking than its signature (no crafted values reaching the query).
    SALT = "coach.api.pagination.Cursor"

    def encode(self) -> str:
        fields = [int(self.forward), self.value, self.pk, int(self.inclusive)]
        return signing.dumps(fields, salt=self.SALT)

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        try:
            forward, value, pk, inclusive = signing.loads(text, salt=cls.SALT)
        except (signing.BadSignature, ValueError, TypeError):
            raise ValidationError({"cursor": [NOT_A_CURSOR]}, code="invalid")
        return cls(bool(forward), value, pk, bool(inclusive))


@dataclass
class KeysetPage:
    count: int
    next: Cursor | None
    previous: Cursor | None


class KeysetOrPageNumberPagination(PageNumberPagination):
    """Cursor links over a keyset, and page numbers for the clients that ask for them.

    Without `page`, a list in its order by `keyset_field` (either way round, the primary key
    breaking ties) links its next and previous pages by `?cursor=`, which names the row the
    page starts after: pages never repeat or skip rows while new ones arrive, and a deep page
    costs what the first does. `?page=N` answers as before (pages shift as rows are added),
    and so does a list in another order. `count` is the whole list's length in both; on
    cursor pages a view with a `count_rows(queryset)` method gives it (a count kept while the
    data is unchanged) instead of a COUNT query per page.
    """

    keyset_field = "started_at"
    cursor_query_param = "cursor"
    cursor_description = (
        "Where the page starts, as the `next` or `previous` link of another page gives it; "
        "leave it out for the first page. The rows stay in order while new ones are added. "
        "Not with `page`, nor with an `ordering` by anything but `started_at`."
    )
    keyset_page: KeysetPage | None = None

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        cursor_text = request.query_params.get(self.cursor_query_param)
        paged_by_number = self.page_query_param in request.query_params
        descending = self._keyset_order(queryset)
        if cursor_text is not None and (paged_by_number or descending is None):
            raise ValidationError(
                {"cursor": [f"A cursor goes with the order by {self.keyset_field} and no page."]},
                code="invalid",
            )
        if paged_by_number or descending is None:
            return super().paginate_queryset(queryset, request, view)
        cursor = Cursor.decode(cursor_text) if cursor_text is not None else None
        count_rows = getattr(view, "count_rows", lambda rows: rows.count())
        return self._keyset_paginate(
            queryset, cursor, descending, self.get_page_size(request), count_rows
        )

    def _keyset_order(self, queryset) -> bool | None:
        """True for newest first (by the keyset field, then the primary key), False for the
        reverse; None for any other order, which pages by number."""
        ordering = list(queryset.query.order_by) or (
            list(queryset.model._meta.ordering) if queryset.query.default_ordering else []
        )
        field, pk = self.keyset_field, "id"
        if ordering in ([f"-{field}"], [f"-{field}", f"-{pk}"]):
            return True
        if ordering in ([field], [field, pk]):
            return False
        return None

    def _keyset_paginate(self, queryset, cursor, descending, size, count_rows) -> list:
        field = queryset.model._meta.get_field(self.keyset_field)
        forward = cursor is None or cursor.forward
        # Reading backwards: the rows before the boundary, nearest first, then turned round.
        newest_first = descending == forward
        order = [f"-{field.name}", "-pk"] if newest_first else [field.name, "pk"]
        rows = queryset.order_by(*order)
        if cursor is not None:
            try:
                value = field.to_python(cursor.value)
            except DjangoValidationError:  # written for another field
                raise ValidationError({"cursor": [NOT_A_CURSOR]}, code="invalid")
            rows = rows.filter(self._beyond(field.name, value, cursor, newest_first))
        rows = list(rows[: size + 1])
        more = len(rows) > size
        rows = rows[:size] if forward else rows[:size][::-1]
        count = count_rows(queryset)
        if rows:
            first, last = self._boundary(rows[0], field.name), self._boundary(rows[-1], field.name)
            after_last, before_first = Cursor(True, *last), Cursor(False, *first)
        elif cursor is not None:  # nothing left beyond the boundary: link back to it
            edge = Cursor(not cursor.forward, cursor.value, cursor.pk, inclusive=True)
            after_last = before_first = edge
        else:
            after_last = before_first = None
        has_next = more if forward else cursor is not None
        has_previous = cursor is not None if forward else more
        self.keyset_page = KeysetPage(
            count, after_last if has_next else None, before_first if has_previous else None
        )
        return rows

    @staticmethod
    def _beyond(name: str, value, cursor: Cursor, newest_first: bool) -> Q:
        """Rows past the boundary in the direction read (the boundary too when inclusive)."""
        past = "lt" if newest_first else "gt"
        tie = f"{past}e" if cursor.inclusive else past
        return Q(**{f"{name}__{past}": value}) | Q(**{name: value, f"pk__{tie}": cursor.pk})

    @staticmethod
    def _boundary(row, name: str) -> tuple[str, int]:
        if isinstance(row, dict):  # a .values() row
            value, pk = row[name], row["id"]
        else:
            value, pk = getattr(row, name), row.pk
        return value.isoformat() if hasattr(value, "isoformat") else str(value), pk

    def _cursor_link(self, cursor: Cursor | None) -> str | None:
        if cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, cursor.encode())

    def get_paginated_response(self, data):
        if self.keyset_page is None:
            return super().get_paginated_response(data)
        return Response(
            {
                "count": self.keyset_page.count,
                "next": self._cursor_link(self.keyset_page.next),
                "previous": self._cursor_link(self.keyset_page.previous),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        described = super().get_paginated_response_schema(schema)
        links = described["properties"]
        links["next"]["example"] = "http://api.example.org/accounts/?cursor=WzEsIjIwMjYtMTIt"
        links["next"]["description"] = (
            "The next page, or null on the last: by cursor unless the request paged by number "
            "or ordered by another field."
        )
        links["previous"]["example"] = "http://api.example.org/accounts/?cursor=WzAsIjIwMjYtMTIt"
        links["previous"]["description"] = "The previous page, or null on the first."
        return described

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": self.cursor_description,
                "schema": {"type": "string"},
            },
        ]
