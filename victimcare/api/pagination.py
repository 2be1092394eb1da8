"""Cursor pagination over an already authorised list.

The timeline and duties selectors return lists (they decide what the user may
see), so DRF's queryset-based CursorPagination cannot be used. Events are
immutable and ordered by (occurred_at, id) descending, so a keyset cursor is
stable: new events never shift a page that a client is part-way through.
Duties are ordered by (due_at, id) ascending, soonest first; a duty's due_at
never changes (a tighter deadline is a new duty with a new id).

With `modified_since` (incremental sync, docs/api-sync.md) a list is ordered
by (modification time, id), oldest first, as the sync lists of views_reads
are: a row changed while a client pages moves to the end instead of shifting
a page (`paginate_changes`).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.utils.urls import replace_query_param

CURSOR_PARAM = "cursor"
INVALID_CURSOR = "The cursor is not valid."


def _encode(occurred_at: dt.datetime, pk: int) -> str:
    raw = f"{occurred_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        when, pk = raw.split("|", 1)
        moment = dt.datetime.fromisoformat(when)
        if moment.tzinfo is None:
            raise ValueError
        return moment, int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise NotFound(INVALID_CURSOR) from None


def paginate_keyset(
    items: Sequence[Any],
    *,
    request: Request,
    page_size: int,
    key: Callable[[Any], tuple[dt.datetime, int]],
    newest_first: bool,
) -> tuple[list[Any], str | None]:
    """One page of `items` ordered by `key` (a (datetime, id) pair) after the
    request's cursor, and the URL of the next page (None on the last page)."""
    ordered = sorted(items, key=key, reverse=newest_first)
    cursor = request.query_params.get(CURSOR_PARAM)
    if cursor:
        position = _decode(cursor)
        ordered = [
            item
            for item in ordered
            if (key(item) < position if newest_first else key(item) > position)
        ]
    page = ordered[:page_size]
    next_url = None
    if len(ordered) > page_size:
        when, pk = key(page[-1])
        next_url = replace_query_param(
            request.build_absolute_uri(), CURSOR_PARAM, _encode(when, pk)
        )
    return page, next_url


def paginate_newest_first(
    items: Sequence[Any], *, request: Request, page_size: int
) -> tuple[list[Any], str | None]:
    """One page of `items` (objects with `occurred_at` and `pk`) after the request's
    cursor, newest first, and the URL of the next page (None on the last page)."""
    return paginate_keyset(
        items,
        request=request,
        page_size=page_size,
        key=lambda item: (item.occurred_at, item.pk),
        newest_first=True,
    )


def paginate_changes(
    items: Sequence[Any],
    *,
    request: Request,
    page_size: int,
    since: dt.datetime | None,
    changed_at: Callable[[Any], dt.datetime],
    ident: Callable[[Any], int] = lambda item: int(item.pk),
) -> tuple[list[Any], str | None]:
    """Incremental sync of an already authorised list (docs/api-sync.md): the items
    changed at or after `since` (all without it), oldest change first by
    (`changed_at`, `ident`), one page after the request's cursor, and the URL of
    the next page. The same conventions as views_reads.keyset_page, in Python."""
    chosen = [item for item in items if since is None or changed_at(item) >= since]
    return paginate_keyset(
        chosen,
        request=request,
        page_size=page_size,
        key=lambda item: (changed_at(item), ident(item)),
        newest_first=False,
    )
