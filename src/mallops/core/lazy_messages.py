"""Django's message middleware with the storage made on first use.

``django.contrib.messages.middleware.MessageMiddleware`` builds a ``FallbackStorage`` (a cookie storage
and a session storage) for every request, about 50 µs, and asks it to update the response afterwards. An
API call or a page that never adds nor reads a message leaves that storage untouched, and an untouched
storage's ``update`` writes nothing. Here the storage is made when something first reads
``request._messages`` (``messages.add_message``, ``get_messages``, the ``messages`` context processor's
list when a template iterates it), and only a storage that was made is asked to update the response:
the same cookies and session writes as Django's middleware, without the work when nobody looks.
"""

from __future__ import annotations

from typing import Any

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        storage: Any = getattr(request, "_messages", None)
        if isinstance(storage, SimpleLazyObject) and storage._wrapped is empty:
            return response  # never made: nothing was added or read, nothing to store
        response_out: HttpResponse = super().process_response(request, response)
        return response_out
