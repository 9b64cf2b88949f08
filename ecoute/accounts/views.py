"""Staff login in two steps: password, then the second factor. Only then is the session logged in."""

import time
from base64 import b32encode
from urllib.parse import urlencode

from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecoute.security import journal
from ecoute.security.models import SecurityEventKind

from . import sessions, throttle, twofactor
from .access import home_for, verified_required
from .models import User

PENDING = "ecoute.pending_login"
ENROLMENT = "ecoute.enrolment_device"
# Seconds between the password and the second factor.
PENDING_SECONDS = 300


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, {request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def _finish(request: HttpRequest, user: User, device) -> str:
    """Log the session in with the device that passed, and say where to go."""
    next_url = request.session.get(PENDING, {}).get("next", "")
    request.session.pop(PENDING, None)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    otp_login(request, device)
    sessions.start(request)
    throttle.succeeded(user.username)
    journal.record(SecurityEventKind.LOGIN, actor=user, summary=f"Connexion de {user.username}")
    return next_url or home_for(user)


def _failed(request: HttpRequest, username: str, source: str, step: str) -> None:
    """Count a failed attempt and journal it (the account it named, if it exists; never the source)."""
    slowed = throttle.failed(username, source)
    account = User.objects.filter(username=username).first()
    # An unknown name is not written down: people type their password in the wrong field.
    named = f"le compte {account.username}" if account else "un identifiant inconnu"
    journal.record(
        SecurityEventKind.LOGIN_FAILED,
        actor=account,
        summary=f"Échec de connexion ({step}) pour {named}",
        step=step,
    )
    for what in slowed:
        journal.record(
            SecurityEventKind.LOGIN_THROTTLED,
            actor=account if what == "account" else None,
            summary=f"Connexion ralentie ({what}) après des échecs répétés",
            what=what,
        )


def _too_fast(request: HttpRequest, template: str, context: dict, wait: int) -> HttpResponse:
    context["error"] = ngettext(
        "Trop de tentatives depuis cette connexion. Pour votre sécurité, réessayez dans %(wait)d seconde.",
        "Trop de tentatives depuis cette connexion. Pour votre sécurité, réessayez dans %(wait)d secondes.",
        wait,
    ) % {"wait": wait}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def log_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_verified():
        return redirect(_safe_next(request, request.GET.get("next", "")) or home_for(request.user))
    context = {
        "next": _safe_next(request, request.POST.get("next") or request.GET.get("next", "")),
        "username": "",
    }
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        source = throttle.address_key(request)
        context["username"] = username
        wait = throttle.source_wait(source)
        if wait:
            return _too_fast(request, "accounts/login.html", context, wait)
        if throttle.account_slowed(username):
            return _both_factors(request, username, source, context)
        user = authenticate(request, username=username, password=request.POST.get("password", ""))
        if user is None:
            _failed(request, username, source, "mot de passe")
            context["error"] = _("Identifiant ou mot de passe incorrect.")
            return render(request, "accounts/login.html", context, status=200)
        request.session.cycle_key()
        request.session[PENDING] = {"user": user.pk, "at": time.time(), "next": context["next"]}
        return redirect("accounts:verify" if twofactor.has_authenticator(user) else "accounts:enrol")
    return render(request, "accounts/login.html", context)


def _both_factors(request: HttpRequest, username: str, source: str, context: dict) -> HttpResponse:
    """An account under repeated failures: the password and the code together, or nothing said."""
    context["ask_code"] = True
    token = request.POST.get("token", "")
    if not token:
        context["error"] = _(
            "Ce compte a reçu plusieurs tentatives incorrectes. Pour votre sécurité, "
            "saisissez votre mot de passe et le code de votre application en même temps."
        )
        return render(request, "accounts/login.html", context, status=200)
    user = authenticate(request, username=username, password=request.POST.get("password", ""))
    device = twofactor.verify(user, token) if user is not None and twofactor.has_authenticator(user) else None
    if device is None:
        _failed(request, username, source, "mot de passe et code")
        context["error"] = _("Identifiant, mot de passe ou code incorrect.")
        return render(request, "accounts/login.html", context, status=200)
    request.session.cycle_key()
    request.session[PENDING] = {"user": user.pk, "at": time.time(), "next": context["next"]}
    return redirect(_finish(request, user, device))


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    context = {}
    if request.method == "POST":
        source = throttle.address_key(request)
        wait = throttle.source_wait(source)
        if wait:
            return _too_fast(request, "accounts/verify.html", context, wait)
        device = twofactor.verify(user, request.POST.get("token", ""))
        if device is not None:
            return redirect(_finish(request, user, device))
        _failed(request, user.username, source, "code")
        context["error"] = _(
            "Code incorrect ou expiré. Saisissez le code affiché maintenant par votre application, ou un code de secours."
        )
    return render(request, "accounts/verify.html", context)


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """A first login: pair an authenticator app, then receive the recovery codes."""
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    if twofactor.has_authenticator(user):
        return redirect("accounts:verify")
    device = TOTPDevice.objects.filter(pk=request.session.get(ENROLMENT), user=user, confirmed=False).first()
    if device is None:
        device = twofactor.start_enrolment(user)
        request.session[ENROLMENT] = device.pk
    context = {"qr_code": twofactor.qr_code_svg(device), "secret": _spaced_secret(device)}
    if request.method == "POST":
        if twofactor.confirm_enrolment(device, request.POST.get("token", "")):
            request.session.pop(ENROLMENT, None)
            codes = twofactor.new_recovery_codes(user)
            journal.record(
                SecurityEventKind.SECOND_FACTOR_SET_UP,
                actor=user,
                summary=f"Application d’authentification associée par {user.username}",
            )
            next_url = _finish(request, user, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "next_url": next_url})
        context["error"] = _(
            "Ce code ne correspond pas. Vérifiez l’heure de votre téléphone et saisissez le code affiché maintenant."
        )
    return render(request, "accounts/enrol.html", context)


def _spaced_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_POST
@login_required
@verified_required
def renew_recovery_codes(request: HttpRequest) -> HttpResponse:
    codes = twofactor.new_recovery_codes(request.user)
    journal.record(
        SecurityEventKind.RECOVERY_CODES,
        actor=request.user,
        summary=f"Codes de secours renouvelés par {request.user.username}",
    )
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next_url": home_for(request.user)}
    )


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The admin has no login of its own: one throttled, two-step login for every staff page."""
    next_url = _safe_next(request, request.GET.get("next", "")) or reverse("admin:index")
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")
