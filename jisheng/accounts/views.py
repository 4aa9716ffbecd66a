from __future__ import annotations

import base64
from typing import Any

import segno
from axes.models import AccessAttempt
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from jisheng.areas.codes import code_range
from jisheng.areas.models import Area
from jisheng.audit import services as audit
from jisheng.core.views import home_cards

from . import services, throttle
from .http import AuthenticatedHttpRequest
from .models import AccessToken, User
from .permissions import Capability, capability_required, holds
from .roles import ROLE_CHOICES, duties_of


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # An address that keeps failing waits before it may try again; answered before the
        # password is hashed, so guessing costs the guesser time and the server nothing.
        wait = throttle.seconds_to_wait(request)
        if wait:
            # An unbound form: a bound one would validate, and validating authenticates.
            form = self.get_form_class()(request, initial={"username": request.POST.get("username", "")})
            message = _("Too many failed sign-ins from this address. Try again in %(seconds)s seconds.") % {
                "seconds": wait
            }
            context = self.get_context_data(form=form, throttled=message)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        with transaction.atomic():
            audit.record(by=form.user, action="account.password_change", obj=form.user)
            services.tokens_revoke_all(user=form.user, by=form.user, reason="password changed")
        messages.success(self.request, _("Your password has been changed."))
        return response


class OTPForm(forms.Form):
    token = forms.CharField(label=gettext_lazy("Six-digit code"), max_length=6, min_length=6)


@login_required
def otp_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Enrol an authenticator on first use, afterwards verify its code once per session."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="default", confirmed=False
        )
    form = OTPForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            services.totp_verified(user=user, device=device, by=user)
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", _("The code is wrong or has expired. Try the current code."))
    qr_svg = None
    if enrolling:
        qr_svg = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
    demo_code = None
    if getattr(settings, "DEMO_MODE", False):
        demo_code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    return render(
        request,
        "accounts/otp.html",
        {
            "form": form,
            "enrolling": enrolling,
            "qr_svg": qr_svg,
            "secret": _base32(device.bin_key),
            "demo_code": demo_code,
        },
    )


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` page after the second factor, if it is a page of this site; else the home page."""
    target = request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return str(reverse("home"))


def _base32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=64)
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1, max_value=365, initial=90)


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    new_key = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_key = services.token_create(
            user=user, name=form.cleaned_data["name"], days=form.cleaned_data["days"], by=user
        )
        form = TokenForm()
    tokens = AccessToken.objects.filter(user=user)
    return render(request, "accounts/profile.html", {"form": form, "tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def token_revoke_view(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(AccessToken, pk=token_id, user=request.user)
    services.token_revoke(token=token, by=request.user)
    messages.success(request, _("The token has been revoked."))
    return redirect("accounts:profile")


@capability_required(Capability.MANAGE_STAFF)
def user_list(request: HttpRequest) -> HttpResponse:
    users = (
        User.objects.visible_to(request.user)
        # the area's full name walks up to the county: its parents come in the same query
        .select_related("area__parent__parent__parent")
        .prefetch_related("roles")
        .order_by("area_id", "username")
    )
    locked = set(
        AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT).values_list(
            "username", flat=True
        )
    )
    return render(
        request,
        "accounts/user_list.html",
        {
            "users": users,
            "locked": locked,
            "can_create": holds(request.user, Capability.CREATE_STAFF),
            "can_unlock": holds(request.user, Capability.UNLOCK_ACCOUNTS),
            "can_change_roles": holds(request.user, Capability.CHANGE_STAFF_ROLES),
        },
    )


class StaffCreateForm(forms.Form):
    username = forms.RegexField(
        label=gettext_lazy("Username"), regex=r"^[a-zA-Z0-9._-]{3,30}$", max_length=30
    )
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=64)
    area = forms.ModelChoiceField(label=gettext_lazy("Area"), queryset=Area.objects.none())
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles"), choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    password = forms.CharField(label=gettext_lazy("Initial password"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_field = self.fields["area"]
        assert isinstance(area_field, forms.ModelChoiceField)
        area_field.queryset = Area.objects.filter(
            code__range=code_range(user.area.prefix), valid_to__isnull=True
        )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username=username).exists():
            raise forms.ValidationError(_("This username is already taken."))
        return username


@capability_required(Capability.CREATE_STAFF)
def user_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StaffCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff = services.user_create(
                username=data["username"],
                password=data["password"],
                area=data["area"],
                roles=data["roles"],
                full_name=data["full_name"],
                by=request.user,
                must_change_password=True,
            )
        except ValidationError as error:
            form.add_error("password", error)
        else:
            messages.success(request, _("Account %(name)s created.") % {"name": staff})
            return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form})


@capability_required(Capability.UNLOCK_ACCOUNTS)
@require_POST
def user_unlock(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    target = get_object_or_404(User.objects.visible_to(request.user), pk=user_id)
    services.user_unlock(user=target, by=request.user)
    messages.success(request, _("%(name)s has been unlocked.") % {"name": target})
    return redirect("accounts:users")


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=gettext_lazy("Roles"), choices=ROLE_CHOICES, widget=forms.CheckboxSelectMultiple
    )


@capability_required(Capability.CHANGE_STAFF_ROLES)
def user_roles_view(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Change a staff member's roles; their sessions and API tokens end with the change."""
    target = get_object_or_404(User.objects.visible_to(request.user), pk=user_id)
    form = RolesForm(request.POST or None, initial={"roles": sorted(target.role_codes())})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_roles(user=target, roles=form.cleaned_data["roles"], by=request.user)
        except ValidationError as error:
            form.add_error("roles", error)
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request,
                _("The roles of %(name)s have been changed; they must sign in again.") % {"name": target},
            )
            return redirect("accounts:users")
    return render(request, "accounts/user_roles.html", {"form": form, "staff": target})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    duties = duties_of(request.user.role_codes())  # type: ignore[union-attr]
    return render(
        request,
        "accounts/home.html",
        {"duties": duties, "cards": home_cards(request.user), "actions": home_actions(request.user)},
    )


def home_actions(user: Any) -> list[dict[str, Any]]:
    """The daily actions offered on the home page (登记出生, 代办 …), from every app whose AppConfig has
    ``home_actions(user)``: one tap from the home page on the phone the village officer works with."""
    from django.apps import apps

    actions: list[dict[str, Any]] = []
    for config in apps.get_app_configs():
        provider = getattr(config, "home_actions", None)
        if callable(provider):
            actions.extend(provider(user))
    return actions
