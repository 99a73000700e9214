from __future__ import annotations

from typing import Any

from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET
from requests import RequestException

from trellis.accounts.forms import LimitedPasswordResetForm
from trellis.accounts.oidc import oidc_client, oidc_enabled, oidc_issuer
from trellis.accounts.selectors import account_for_identity
from trellis.accounts.services import identity_link, password_reset_request_record, password_set
from trellis.core.auth import RateLimitedAuthenticationForm, client_address

NEXT_KEY = "trellis_oidc_next"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = RateLimitedAuthenticationForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "oidc_enabled": oidc_enabled(),
                "oidc_name": settings.TRELLIS_OIDC_NAME}


class AdminLoginView(LoginView):
    """The admin's sign-in is Trellis's own, with the same limits. Someone already signed in
    without admin rights is told so, instead of being sent between the two pages."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not request.user.is_staff:
            raise PermissionDenied("Your account cannot open the administration pages.")
        return super().dispatch(request, *args, **kwargs)


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@require_GET
def oidc_start(request: HttpRequest) -> HttpResponse:
    if not oidc_enabled():
        raise PermissionDenied("Sign-in through the district is not set up on this Trellis.")
    request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next", ""))
    try:
        return oidc_client().authorize_redirect(request, request.build_absolute_uri(reverse("oidc-callback")))
    except (OAuthError, RequestException, ValueError):
        messages.error(request, f"Trellis could not reach {settings.TRELLIS_OIDC_NAME}'s sign-in. Try again in a "
                                "few minutes, or sign in with a password if your account has one.")
        return redirect("login")


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    if not oidc_enabled():
        raise PermissionDenied("Sign-in through the district is not set up on this Trellis.")
    if request.GET.get("error"):
        messages.error(request, f"The sign-in at {settings.TRELLIS_OIDC_NAME} was cancelled, so you are not "
                                "signed in to Trellis.")
        return redirect("login")
    try:
        token = oidc_client().authorize_access_token(request)
    except (OAuthError, RequestException, ValueError):
        messages.error(request, f"Trellis could not confirm your sign-in at {settings.TRELLIS_OIDC_NAME}. "
                                "Start again from this page.")
        return redirect("login")
    claims = dict(token.get("userinfo") or {})
    match = account_for_identity(issuer=oidc_issuer(), claims=claims)
    if match.user is None:
        messages.error(request, match.refusal)
        return redirect("login")
    if not match.linked:
        identity_link(actor=match.user, user=match.user, issuer=oidc_issuer(), subject=str(claims["sub"]))
    target = request.session.pop(NEXT_KEY, "")
    login(request, match.user, backend="trellis.core.backends.AccountBackend")
    return HttpResponseRedirect(_safe_next(request, target))


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")
    form_class = LimitedPasswordResetForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form: Any) -> HttpResponse:
        password_reset_request_record(email=form.cleaned_data["email"], address=client_address(self.request))
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
    extra_context = {"reset_hours": settings.PASSWORD_RESET_TIMEOUT // 3600}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        password_set(actor=self.user, user=self.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
