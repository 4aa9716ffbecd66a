"""The administrator's view of the catalogue: reload the policy files, adjust an item's limits or end date."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from jisheng.accounts import permissions
from jisheng.accounts.http import AuthenticatedHttpRequest
from jisheng.accounts.permissions import Capability

from . import services
from .models import ServiceItem


class ItemForm(forms.ModelForm):
    class Meta:
        model = ServiceItem
        fields = sorted(services.followup.EDITABLE_FIELDS)
        widgets = {"effective_to": forms.DateInput(attrs={"type": "date"})}


@permissions.capability_required(Capability.CONFIGURE_CATALOGUE)
def catalogue(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            result = services.catalogue_load(by=request.user)
            messages.success(
                request, _("%(count)s items updated from the policy files.") % {"count": result["items"]}
            )
        except (ValidationError, PermissionDenied) as exc:
            # A policy file with mistakes: one message per mistake, each naming its file and line.
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
        return redirect("hall:catalogue")
    return render(
        request, "hall/catalogue.html", {"items": ServiceItem.objects.prefetch_related("materials")}
    )


@permissions.capability_required(Capability.CONFIGURE_CATALOGUE)
def catalogue_item(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ServiceItem, pk=pk)
    form = ItemForm(request.POST or None, instance=ServiceItem.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            services.catalogue_item_update(item=item, changes=changes, by=request.user)
            messages.success(request, _("The service item has been saved."))
            return redirect("hall:catalogue")
        except (ValidationError, PermissionDenied) as exc:
            for message in getattr(exc, "messages", [str(exc)]):
                messages.error(request, message)
    return render(request, "hall/catalogue_item.html", {"item": item, "form": form})
