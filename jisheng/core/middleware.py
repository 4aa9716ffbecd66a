from collections.abc import Callable

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
