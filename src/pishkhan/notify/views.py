"""The development outbox: what would have been sent by SMS. Only when DEBUG is on."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import OutboxMessage


def outbox(request: HttpRequest) -> HttpResponse:
    if not settings.DEBUG:
        raise Http404
    messages = OutboxMessage.objects.order_by("-id")[:50]
    return render(request, "notify/outbox.html", {"messages": messages})
