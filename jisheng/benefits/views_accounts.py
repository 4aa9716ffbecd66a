"""Pages for where the money goes: the township records payees' accounts on a batch's lines, and the
village officer verifies online applications the registry could not tie to the beneficiary."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability
from jisheng.areas.scoping import get_visible_or_404
from jisheng.core.text import normalize_text

from . import applications as application_services
from . import queries, services
from .models import Application, Line, PayeeAccount
from .payee import clean_account
from .views import _message_errors


def _errors(exc: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(exc, PermissionDenied):
        return [str(exc) or _("Not allowed.")]
    return list(exc.messages)


@permissions.capability_required(Capability.READ_BENEFITS)
def batch_accounts(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The lines of a batch without an account the bank can pay to, each with a form to record one;
    a refused form comes back with what was typed and the reason."""
    batch = queries.batch_for_or_404(request.user, pk)
    typed: dict[str, str] = {}
    failed_line = None
    errors: list[str] = []
    if request.method == "POST":
        line = get_visible_or_404(Line.objects.filter(batch=batch), request.user, pk=request.POST.get("line"))
        typed = {
            key: normalize_text(request.POST.get(key, ""))
            for key in ("account_kind", "bank_account", "bank_name", "account_holder")
        }
        try:
            account = clean_account(
                kind=typed["account_kind"],
                number=typed["bank_account"],
                bank_name=typed["bank_name"],
                holder=typed["account_holder"],
            )
            services.line_account_set(line=line, account=account, by=request.user)
        except (ValidationError, PermissionDenied) as exc:
            failed_line = line.pk
            errors = _errors(exc)
        else:
            messages.success(request, _("Account recorded for %(name)s.") % {"name": line.name})
            return redirect("benefits:batch_accounts", pk=batch.pk)
    visible = set(Line.objects.visible_to(request.user).filter(batch=batch).values_list("pk", flat=True))
    lacking = [
        (line, problem) for line, problem in services.lines_lacking_account(batch) if line.pk in visible
    ]
    return render(
        request,
        "benefits/accounts.html",
        {
            "batch": batch,
            "lacking": lacking,
            "kinds": PayeeAccount.Kind.choices,
            "typed": typed,
            "failed_line": failed_line,
            "errors": errors,
            "can_record": permissions.holds(request.user, Capability.RECORD_PAYEE_ACCOUNT),
        },
    )


@require_POST
@permissions.capability_required(Capability.READ_BENEFITS)
def application_verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = get_visible_or_404(Application.objects.all(), request.user, pk=pk)
    _message_errors(
        request,
        lambda: application_services.application_verify(
            application=application,
            accept=request.POST.get("decision") == "accept",
            note=request.POST.get("note", ""),
            by=request.user,
        ),
        _("Verification recorded."),
    )
    return redirect("benefits:applications")
