"""A card that follows a background job (a benefit run, a report's compilation): polled while the job
is open, drawn whole once when it ends.

The card (``#job``, ``core/_job_card.html``) holds what a finger may be on — the Cancel button, the
link to the result —; only its live part (``#job-live``, ``core/_job_live.html``: the state, the part
reached, the message) polls, every two seconds, and a poll's answer replaces only that part, so a
button held down on a slow phone is never taken away while the job runs. The poll asking the page's
own address with ``HX-Request`` gets:

- while the job is open, the live part again (still polling);
- once it has ended, the whole card, retargeted onto ``#job`` (``HX-Retarget``, ``HX-Reswap``): its
  link to what the job made appears, the Cancel button goes, and the card drawn has no poller left.

A plain request gets the whole page. An app's card template extends ``core/_job_card.html`` and fills
its ``result`` block (the link to what the job made).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CARD_ID = "job"


def retarget(response: HttpResponse, selector: str) -> HttpResponse:
    """Have htmx put ``response`` in place of the element ``selector`` names, whole, instead of the
    element that asked."""
    response["HX-Retarget"] = selector
    response["HX-Reswap"] = "outerHTML"
    return response


def job_answer(
    request: HttpRequest,
    *,
    page: str,
    card: str,
    context: dict[str, Any],
    is_open: bool,
    cancel_url: str,
) -> HttpResponse:
    """The job's page, or the answer to its card's poll (see the module's docstring). ``context`` is
    the page's; the poll's address is the page's own, and ``cancel_url`` the Cancel button's form."""
    context = {**context, "poll_url": request.path, "cancel_url": cancel_url, "is_open": is_open}
    if not request.headers.get("HX-Request"):
        return render(request, page, context)
    if is_open:
        return render(request, "core/_job_live.html", context)
    return retarget(render(request, card, context), f"#{CARD_ID}")
