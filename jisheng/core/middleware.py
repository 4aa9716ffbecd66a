import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Everything is served by Jisheng itself: government intranets have no internet, and a page that
# cannot load a script from elsewhere cannot be made to run one either. htmx needs no inline script.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# The OpenAPI docs page (Swagger UI, served from the ninja app's own static files) starts with an
# inline script; it is the only page that needs one.
DOCS_POLICY = POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = DOCS_POLICY if request.path.startswith("/api/v1/docs") else POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        # Pages are drawn from personal data (a person's file, a case, a search, an export): no
        # browser or proxy may keep a copy. Static files never reach here (WhiteNoise answers them
        # first, with their own long cache); a view that sets its own Cache-Control keeps it.
        response.headers.setdefault("Cache-Control", "no-store")
        return response


class ApiErrorsAsJsonMiddleware:
    """An API client gets JSON for every error, also for those Django answers before the API sees
    the request (a method the route does not take, an unknown path, a refused CSRF token): a script
    or the offline client parses ``{"detail": …}``, never an HTML page."""

    PREFIX = "/api/"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not request.path.startswith(self.PREFIX)
            or response.status_code < 400
            or "json" in response.get("Content-Type", "")
        ):
            return response
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        reasons = {
            400: _("The request is not valid."),
            401: _("Sign in or send a valid API token."),
            403: _("Not allowed."),
            404: _("Not found."),
            405: _("This operation does not take the method %(method)s.") % {"method": request.method},
            413: _("The request is too large."),
            429: _("Too many requests; try again later."),
        }
        detail = reasons.get(response.status_code, _("The server could not answer this request."))
        converted = JsonResponse({"detail": detail}, status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                converted[header] = response[header]
        return converted


# The key in the session holding when it was last written (seconds since the epoch).
SESSION_TOUCHED_KEY = "_touched"


class SessionTouchMiddleware:
    """Keeps the idle timeout of sessions with at most one session write a minute.

    A stored session ends SESSION_COOKIE_AGE (30 minutes) after it was last written: the database row's
    expiry date and the cookie's both say so. Saving it on every request (SESSION_SAVE_EVERY_REQUEST)
    kept that "30 minutes after the last request" at the price of a database write on every page, which
    on SQLite waits for the single writer. Instead, this middleware (inside Django's SessionMiddleware,
    so it sees the response first) changes a session the request used only when its last write is
    JISHENG_SESSION_TOUCH_SECONDS (60) or more old, or when the request changed it anyway; Django's
    middleware then saves it and sends the cookie with a new expiry. An idle session therefore ends
    between 29 and 30 minutes after the last request, never later. An empty session (a visitor who
    never signed in nor proved a case number) is never stored.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            touched = session.get(SESSION_TOUCHED_KEY)
            interval = getattr(settings, "JISHENG_SESSION_TOUCH_SECONDS", 60)
            if session.modified or not isinstance(touched, int) or not 0 <= now - touched < interval:
                session[SESSION_TOUCHED_KEY] = now
        return response
