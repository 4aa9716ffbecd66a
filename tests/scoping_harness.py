"""Walks every URL pattern and API operation as staff of two sibling townships and reports leaks.

Each app that keeps area-scoped data provides ``jisheng/<app>/tests/scoping.py`` with
``make_objects(*, area, marker) -> list[Model]``: objects in ``area`` (a village) whose pages show
``marker``. The harness creates them for township A and township B and, signed in as A:

* GETs every page and API operation without parameters (API searches also with B's marker as the
  text of every query parameter): B's marker must not appear;
* GETs every page and operation with parameters filled from each B object (its pk, and any
  ``scope_url_values()`` it offers): the answer is 403/404/405, or shows nothing of B;
* POSTs (and PUT/PATCH/DELETEs API operations) the same URLs: no audit event may be written in B's
  area, since every change writes one in the area of the object it changes;
* POSTs valid data too: the form the same page shows for A's own object of that kind (its fields with
  the values the page fills in), sent to B's URL; B's row must be unchanged in the database afterwards,
  field by field — an empty POST is refused by any form, a valid one is what a leak would let through.

A new URL or operation is covered without anyone adding a test for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from jisheng.areas.codes import code_range

SKIP_PREFIXES = ("sysadmin/", "static/", "media/", "i18n/", "api/", "accounts/logout/")
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")


@dataclass
class Leak:
    method: str
    url: str
    why: str

    def __str__(self) -> str:
        return f"{self.method} {self.url}: {self.why}"


def url_patterns(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every route of the URLconf as a string with <converter:name> placeholders."""
    resolver = resolver or get_resolver()
    routes = []
    for entry in resolver.url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes.extend(url_patterns(entry, prefix + route))
        elif isinstance(entry, URLPattern):
            routes.append(prefix + route)
    return [r.lstrip("^").rstrip("$") for r in routes if "(?P" not in r]


def scoped_object_makers() -> list[Any]:
    makers = []
    for app_path in settings.DOMAIN_APPS:
        module_name = f"{app_path}.tests.scoping"
        if find_spec(f"{app_path}.tests") is not None and find_spec(module_name) is not None:
            makers.append(import_module(module_name).make_objects)
    return makers


def _fill(route: str, values: dict[str, str], default: str) -> str:
    return PARAM.sub(lambda m: values.get(m.group("name"), default), route)


def _candidate_values(objects: list[Any]) -> list[tuple[dict[str, str], str, Any]]:
    """URL parameter values to try: each object's pk (and its scope_url_values), each value once.

    Parameters are filled by value, not by model, so one pk stands for every object that has it.
    """
    seen: set[tuple[tuple[tuple[str, str], ...], str]] = set()
    candidates: list[tuple[dict[str, str], str, Any]] = []
    for obj in objects:
        options: list[dict[str, str]] = [{}]
        extra = getattr(obj, "scope_url_values", None)
        if callable(extra):
            options.extend(extra())
        for values in options:
            key = (tuple(sorted(values.items())), str(obj.pk))
            if key not in seen:
                seen.add(key)
                candidates.append((values, str(obj.pk), obj))
    return candidates


def audit_events_in(prefix: str) -> int:
    from jisheng.audit.models import AuditEvent

    return AuditEvent.objects.filter(area_code__range=code_range(prefix)).count()


INPUT = re.compile(r"<input\b([^>]*)>", re.I)
TEXTAREA = re.compile(r"<textarea\b([^>]*)>(.*?)</textarea>", re.I | re.S)
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.I | re.S)
OPTION = re.compile(r"<option\b([^>]*)>", re.I)
ATTR = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(text: str) -> dict[str, str]:
    return {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in ATTR.finditer(text)
    }


def form_data(html: str) -> dict[str, list[str]]:
    """The fields a page's forms would submit as shown: inputs with their values (checked boxes only),
    textareas with their text, selects with their selected (or first real) option."""
    data: dict[str, list[str]] = {}
    for match in INPUT.finditer(html):
        attrs, raw = _attrs(match.group(1)), match.group(1).lower()
        kind = attrs.get("type", "text").lower()
        name = attrs.get("name")
        if not name or name == "csrfmiddlewaretoken" or kind in ("submit", "button", "file", "reset"):
            continue
        if kind in ("checkbox", "radio") and not re.search(r"\bchecked\b", raw):
            continue
        data.setdefault(name, []).append(attrs.get("value", ""))
    for match in TEXTAREA.finditer(html):
        if name := _attrs(match.group(1)).get("name"):
            data.setdefault(name, []).append(match.group(2).strip() or "核对用文字")
    for match in SELECT.finditer(html):
        name = _attrs(match.group(1)).get("name")
        options = [(_attrs(raw), raw.lower()) for raw in OPTION.findall(match.group(2))]
        chosen = [a.get("value", "") for a, raw in options if re.search(r"\bselected\b", raw)]
        real = [a.get("value", "") for a, _raw in options if a.get("value")]
        if name and (chosen or real):
            data.setdefault(name, []).append((chosen or real)[0])
    return data


def row_of(obj: Any) -> dict[str, Any] | None:
    """The object's row as stored now (None once deleted)."""
    return type(obj)._base_manager.filter(pk=obj.pk).values().first()


def _shows(response: Any, marker: str) -> bool:
    return response.status_code == 200 and marker in response.content.decode(errors="replace")


def _own_form(client: Any, route: str, obj: Any, own_objects: list[Any]) -> dict[str, list[str]]:
    """The form the page shows for the caller's own object of the same kind as ``obj``."""
    own = next((o for o in own_objects if type(o) is type(obj)), None)
    if own is None:
        return {}
    response = client.get("/" + _fill(route, {}, str(own.pk)))
    if response.status_code != 200:
        return {}
    return form_data(response.content.decode(errors="replace"))


def check_pages(
    client: Any,
    other_prefix: str,
    other_objects: list[Any],
    marker: str,
    routes: list[str],
    own_objects: list[Any] | None = None,
) -> list[Leak]:
    leaks: list[Leak] = []
    candidates = _candidate_values(other_objects)
    for route in routes:
        if route.startswith(SKIP_PREFIXES):
            continue
        if not PARAM.search(route):
            url = "/" + route
            if marker in client.get(url).content.decode(errors="replace"):
                leaks.append(Leak("GET", url, "shows the sibling township's data"))
            continue
        for values, default, obj in candidates:
            url = "/" + _fill(route, values, default)
            if _shows(client.get(url), marker):
                leaks.append(Leak("GET", url, f"shows the sibling township's data (e.g. {obj._meta.label})"))
            before = audit_events_in(other_prefix)
            client.post(url, {})
            if audit_events_in(other_prefix) != before:
                leaks.append(Leak("POST", url, "changed the sibling township's data"))
            valid = _own_form(client, route, obj, own_objects or []) if values == {} else {}
            if valid:
                row, before = row_of(obj), audit_events_in(other_prefix)
                client.post(url, valid)
                if row_of(obj) != row or audit_events_in(other_prefix) != before:
                    leaks.append(
                        Leak("POST", url, f"valid data changed the sibling township's {obj._meta.label}")
                    )
    return leaks


def check_api(client: Any, other_prefix: str, other_objects: list[Any], marker: str) -> list[Leak]:
    from jisheng.api import api

    leaks: list[Leak] = []
    candidates = _candidate_values(other_objects)
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        route = path.replace("{", "<").replace("}", ">")
        for method, operation in operations.items():
            method_upper = method.upper()
            if not PARAM.search(route):
                if method_upper == "GET":
                    # Search-like operations get the marker in every text query parameter, so that a
                    # search that ignores the caller's area is caught too.
                    query = {
                        parameter["name"]: marker
                        for parameter in operation.get("parameters", [])
                        if parameter.get("in") == "query"
                        and parameter.get("schema", {}).get("type") == "string"
                    }
                    for params in ({}, query) if query else ({},):
                        if marker in client.get(path, params).content.decode(errors="replace"):
                            leaks.append(
                                Leak("GET", f"{path}?{params}", "API shows the sibling township's data")
                            )
                continue
            for values, default, obj in candidates:
                url = _fill(route, values, default)
                before = audit_events_in(other_prefix)
                response = client.generic(method_upper, url, data="{}", content_type="application/json")
                if method_upper == "GET" and _shows(response, marker):
                    leaks.append(
                        Leak("GET", url, f"API shows the sibling township's data (e.g. {obj._meta.label})")
                    )
                elif method_upper != "GET" and audit_events_in(other_prefix) != before:
                    leaks.append(Leak(method_upper, url, "API changed the sibling township's data"))
    return leaks
