"""The conventions enforce themselves: a service without a typed actor, a role named outside the
permission module, or an import against the layers fails here (not in a reviewer's eye).

- Every public function of a service module (``jisheng/<app>/services.py`` or a ``services/`` package)
  takes ``by``, keyword-only, annotated ``Actor`` (``jisheng.core.actor``) — never ``Any``, never
  optional. Read-only helpers that live in a service module are listed in ``NOT_SERVICES`` with the
  reason.
- No module names a role (``"village_officer"``…) or ``RoleCode.`` except ``accounts/roles.py`` and
  ``accounts/permissions.py``; demo data and benches that create users, migrations and tests may.
- ``lint-imports`` fails on a wrong-way import: shown on a copy of the package with one planted.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "jisheng"

# Public functions of service modules that change nothing (reads, pure helpers, signal receivers): they
# take no actor. Each entry says why; a new service that writes must not be added here.
NOT_SERVICES: dict[str, str] = {}


def service_modules() -> list[Path]:
    found = sorted(PACKAGE.glob("*/services*.py")) + sorted(PACKAGE.glob("*/services/*.py"))
    return [path for path in found if path.name != "__init__.py"]


def _writes(function: ast.FunctionDef) -> bool:
    """Whether a function writes: it is atomic, or records in the audit trail, or runs a transition."""
    for node in ast.walk(function):
        if isinstance(node, ast.Name | ast.Attribute):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if name in {"atomic", "record", "transition", "disclosure_record"}:
                return True
    return False


def actor_problems(path: Path) -> list[str]:
    """What is wrong with the ``by`` parameter of each public writing function of one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
        positional = [a.arg for a in node.args.posonlyargs + node.args.args]
        keyword = {a.arg: (a, d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)}
        takes_actor = "by" in positional or "by" in keyword
        if f"{path.relative_to(ROOT)}:{node.name}" in NOT_SERVICES or not (takes_actor or _writes(node)):
            continue
        if "by" in positional:
            problems.append(f"{where}: `by` must be keyword-only")
        elif "by" not in keyword:
            problems.append(f"{where}: no `by: Actor` parameter")
        else:
            arg, default = keyword["by"]
            annotation = ast.unparse(arg.annotation) if arg.annotation is not None else ""
            if annotation != "Actor":
                problems.append(f"{where}: `by` is annotated {annotation or 'nothing'}, not Actor")
            if default is not None:
                problems.append(f"{where}: `by` has a default; the actor is required")
    return problems


def test_every_service_that_writes_takes_a_required_keyword_only_actor() -> None:
    problems = [problem for path in service_modules() for problem in actor_problems(path)]
    assert problems == []


def test_the_actor_check_fails_on_a_service_typed_any_or_taking_no_actor(tmp_path: Path) -> None:
    bad = tmp_path / "services.py"
    bad.write_text(
        "from typing import Any\n"
        "from django.db import transaction\n\n"
        "@transaction.atomic\n"
        "def thing_create(*, name: str, by: Any) -> None: ...\n\n"
        "@transaction.atomic\n"
        "def thing_delete(*, name: str) -> None: ...\n\n"
        "@transaction.atomic\n"
        "def thing_move(name: str, by: 'Actor') -> None: ...\n\n"
        "@transaction.atomic\n"
        "def thing_keep(*, name: str, by: Actor) -> None: ...\n",
        encoding="utf-8",
    )
    # actor_problems names paths relative to the repository; a copy inside it keeps that working.
    inside = PACKAGE / "_conventions_probe_services.py"
    shutil.copy(bad, inside)
    try:
        problems = actor_problems(inside)
    finally:
        inside.unlink()
    assert [p.split(": ", 1)[1] for p in problems] == [
        "`by` is annotated Any, not Actor",
        "no `by: Actor` parameter",
        "`by` must be keyword-only",
    ]


ROLE_CODES = (
    "village_officer",
    "counter_clerk",
    "township_head",
    "county_staff",
    "city_staff",
    "auditor",
    "system_admin",
    "security_admin",
    "audit_admin",
)
BARE_ROLE = re.compile(r"""["'](""" + "|".join(ROLE_CODES) + r""")["']|\bRoleCode\.""")
# Where roles may be named: their definition and the capability table; migrations (history); demo data
# and benchmarks that create staff with roles; and tests.
ROLE_ALLOWED = re.compile(
    r"^jisheng/accounts/(roles|permissions)\.py$|/migrations/|/tests/|(^|/)demo(_\w+)?\.py$|/bench\.py$"
)


def role_mentions() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if ROLE_ALLOWED.search(relative):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if BARE_ROLE.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_no_module_names_a_role_outside_the_permission_module() -> None:
    assert role_mentions() == []


def test_no_template_asks_for_a_role_by_name() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(PACKAGE.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if "has_role" in line or any(f'"{code}"' in line for code in ROLE_CODES)
    ]
    assert found == []


def test_no_template_comment_spans_lines() -> None:
    """Django's ``{# … #}`` ends at the line's end: a comment carried over two lines is drawn on the page
    as text (the resident search once showed its own English note). Longer notes use {% comment %}."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(PACKAGE.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert found == []


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    executable = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(executable), "--no-cache", "--config", str(root / ".importlinter")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_import_linter_fails_on_a_wrong_way_import_planted_in_a_copy(tmp_path: Path) -> None:
    """A copy of the package with ``audit`` (low) importing ``hall`` (high): the contract breaks. The
    untouched copy passes, so the failure is the planted import's."""
    copy = tmp_path / "repo"
    shutil.copytree(
        PACKAGE, copy / "jisheng", ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3", "media")
    )
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    clean = _lint_imports(copy)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    planted = copy / "jisheng" / "audit" / "planted.py"
    planted.write_text("from jisheng.hall import services  # noqa: F401\n", encoding="utf-8")
    broken = _lint_imports(copy)
    assert broken.returncode != 0
    assert "jisheng.audit.planted -> jisheng.hall" in broken.stdout


# --- Transaction nesting -------------------------------------------------------------------------------
#
# A service that is one user's step on its own (a page, the API, a command or a job calls it) opens its
# transaction with ``transaction.atomic(durable=True)``; one that runs inside another's transaction (another
# app's service, the offline sync, the demo) says "May be nested" in its docstring. A wrong mark is a
# durable service that some caller runs inside a transaction: in production that raises RuntimeError on
# the user's step.
#
# What catches it:
# - Django's own check, in the suite: pytest-django's transaction only exempts a durable block opened
#   directly inside it, so a durable service reached inside any atomic block of the code (a service, the
#   demo, a request-wide transaction) raises in every test that walks that path
#   (``test_a_durable_service_inside_another_transaction_fails_even_inside_a_test``).
# - The static call graph below, for the paths no test walks: every call of a durable service, anywhere in
#   the package, must come from code that never runs inside a transaction (not an atomic function, not a
#   ``with transaction.atomic()`` block, nor a function those call), never from another module's service,
#   and the service must not be passed around as a value (a handler registry could call it anywhere).
#   Calls are followed through imports (``services.x()``, ``from .services import x``, a package's
#   re-exports); calls on objects (``module.measures()``) are not, and are left to Django's check.
# - Requests are never wrapped in a transaction (ATOMIC_REQUESTS), which the graph could not see.

NESTING_DECLARED_APPS = (
    "registry",
    "hall",
    "certificates",
    "accounts",
    "areas",
    "workdays",
    "messaging",
    "audit",
)
NESTED = re.compile(r"\bmay\s+be\s+nested\b", re.IGNORECASE)
OUTERMOST = re.compile(r"\boutermost\b", re.IGNORECASE)


def _is_atomic_call(node: ast.AST, *, durable: bool | None = None) -> bool:
    """``transaction.atomic``/``atomic``, called or not; with ``durable`` True, only ``durable=True``."""
    target = node.func if isinstance(node, ast.Call) else node
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    if name != "atomic":
        return False
    if durable is None:
        return True
    is_durable = isinstance(node, ast.Call) and any(
        k.arg == "durable" and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in node.keywords
    )
    return is_durable == durable


def _durable(function: ast.FunctionDef) -> bool:
    """Decorated ``@transaction.atomic(durable=True)`` or opening ``with transaction.atomic(durable=True)``."""
    if any(_is_atomic_call(d, durable=True) for d in function.decorator_list):
        return True
    return any(
        isinstance(node, ast.With) and any(_is_atomic_call(i.context_expr, durable=True) for i in node.items)
        for node in ast.walk(function)
    )


def nesting_declaration_problems(paths: list[Path]) -> list[str]:
    """Each writing service of these modules says "May be nested" or "Outermost", and an outermost one is
    durable (and a durable one says it is outermost)."""
    problems = []
    for path in paths:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_") or not _writes(node):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
            doc = ast.get_docstring(node) or ""
            nested, outermost, durable = bool(NESTED.search(doc)), bool(OUTERMOST.search(doc)), _durable(node)
            if nested == outermost:
                problems.append(f"{where}: the docstring must say either “May be nested” or “Outermost”")
            elif outermost != durable:
                problems.append(f"{where}: “Outermost” and transaction.atomic(durable=True) go together")
    return problems


class _Calls(ast.NodeVisitor):
    """The functions of one module and, for each, what it calls (resolved through the module's imports)
    and whether inside a ``with transaction.atomic()``; which functions hold a transaction; functions
    used as values. Calls on other objects (``obj.method()``) are not followed."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.imports: dict[str, str] = {}
        self.stack: list[str] = []
        self.in_atomic = 0
        self.calls: list[tuple[str, str, bool]] = []  # (caller, dotted callee, inside a with-atomic)
        self.atomic: set[str] = set()
        self.durable: set[str] = set()
        self.defined: set[str] = set()
        self.as_values: list[tuple[str, str, int]] = []  # (caller, dotted target, line)
        self._funcs: set[int] = set()

    def _caller(self) -> str:
        return f"{self.module}.{'.'.join(self.stack) or '<module>'}"

    def _target(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            if node.id in self.imports:
                return self.imports[node.id]
            return f"{self.module}.{node.id}"
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.imports
        ):
            return f"{self.imports[node.value.id]}.{node.attr}"
        return None

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.imports[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            parts = self.package.split(".")
            parts = parts[: len(parts) - node.level + 1]
            base = ".".join(parts + ([base] if base else []))
        for alias in node.names:
            self.imports[alias.asname or alias.name] = f"{base}.{alias.name}"

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.stack.append(node.name)
        key = self._caller()
        self.defined.add(key)
        if any(_is_atomic_call(d) for d in node.decorator_list):
            self.atomic.add(key)
        if isinstance(node, ast.FunctionDef) and _durable(node):
            self.durable.add(key)
        for decorator in node.decorator_list:
            self.visit(decorator)
        saved, self.in_atomic = self.in_atomic, 0
        for statement in node.body:
            self.visit(statement)
        self.in_atomic = saved
        self.stack.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_With(self, node: ast.With) -> None:
        atomic = any(_is_atomic_call(item.context_expr) for item in node.items)
        for item in node.items:
            self.visit(item)
        self.in_atomic += atomic
        for statement in node.body:
            self.visit(statement)
        self.in_atomic -= atomic

    def visit_Call(self, node: ast.Call) -> None:
        self._funcs.add(id(node.func))
        if _is_atomic_call(node) and self.stack:
            # transaction.atomic() entered by other means (an ExitStack): the whole function holds one.
            self.atomic.add(self._caller())
        target = self._target(node.func)
        if target is not None:
            self.calls.append((self._caller(), target, self.in_atomic > 0))
        self.generic_visit(node)

    def _value(self, node: ast.Name | ast.Attribute) -> None:
        if id(node) not in self._funcs and isinstance(node.ctx, ast.Load):
            target = self._target(node)
            if target is not None:
                self.as_values.append((self._caller(), target, node.lineno))

    def visit_Name(self, node: ast.Name) -> None:
        self._value(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._value(node)
        self.generic_visit(node)


def durable_call_problems(root: Path, package: str = "jisheng") -> list[str]:
    """Every durable function of the package is called only where no transaction is open."""
    visitors: dict[str, _Calls] = {}
    for path in sorted((root / package).rglob("*.py")):
        relative = path.relative_to(root)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        is_package = path.name == "__init__.py"
        module = ".".join(relative.parent.parts if is_package else relative.with_suffix("").parts)
        visitor = _Calls(module, is_package)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        visitors[module] = visitor
    defined = {key for visitor in visitors.values() for key in visitor.defined}

    def resolve(target: str) -> str:
        """Follow re-exports (``from .people import person_create`` in a package) to the definition."""
        for _hop in range(5):
            module, _dot, name = target.rpartition(".")
            if target in defined or module not in visitors or name not in visitors[module].imports:
                return target
            target = visitors[module].imports[name]
        return target

    calls = [
        (caller, resolve(target), in_with) for v in visitors.values() for caller, target, in_with in v.calls
    ]
    holding = {key for visitor in visitors.values() for key in visitor.atomic}
    in_transaction: set[str] = set()  # functions reached while a transaction is open
    changed = True
    while changed:
        changed = False
        for caller, target, in_with in calls:
            if target not in in_transaction and (in_with or caller in holding or caller in in_transaction):
                in_transaction.add(target)
                changed = True
    values = [(caller, resolve(t), line) for v in visitors.values() for caller, t, line in v.as_values]
    module_of = {key: module for module, v in visitors.items() for key in v.durable}
    problems = []
    for key in sorted(module_of):
        if key in in_transaction:
            callers = sorted(
                {
                    caller
                    for caller, target, in_with in calls
                    if target == key and (in_with or caller in holding or caller in in_transaction)
                }
            )
            problems.append(f"{key}: durable, but called inside a transaction by {', '.join(callers)}")
        from_services = sorted(
            {
                caller
                for caller, target, _w in calls
                if target == key and ".services" in caller and not caller.startswith(module_of[key] + ".")
            }
        )
        if from_services:
            problems.append(f"{key}: durable, but another service calls it: {', '.join(from_services)}")
        used = [f"{caller} line {line}" for caller, target, line in values if target == key]
        if used:
            problems.append(f"{key}: durable, but passed around as a value: {', '.join(used)}")
    return problems


def test_every_service_says_whether_it_may_be_nested() -> None:
    paths = [p for p in service_modules() if p.relative_to(PACKAGE).parts[0] in NESTING_DECLARED_APPS]
    assert nesting_declaration_problems(paths) == []


def test_a_durable_service_is_never_called_where_a_transaction_is_open() -> None:
    assert durable_call_problems(ROOT) == []


def test_the_nesting_checks_fail_on_a_durable_service_called_inside_a_transaction(tmp_path: Path) -> None:
    app = tmp_path / "pkg" / "app"
    app.mkdir(parents=True)
    (app / "services.py").write_text(
        "from django.db import transaction\n\n"
        "@transaction.atomic(durable=True)\n"
        "def thing_close(*, by: Actor) -> None:\n"
        '    """Close the thing. Outermost."""\n\n'
        "@transaction.atomic\n"
        "def thing_archive(*, by: Actor) -> None:\n"
        '    """Archive the thing. May be nested."""\n'
        "    thing_close(by=by)\n\n"
        "@transaction.atomic\n"
        "def thing_open(*, by: Actor) -> None:\n"
        '    """Open the thing. Outermost."""\n',
        encoding="utf-8",
    )
    (tmp_path / "pkg" / "other").mkdir()
    (tmp_path / "pkg" / "other" / "services.py").write_text(
        "from pkg.app.services import thing_close\n\n"
        "def other_close(*, by: Actor) -> None:\n"
        '    """Close it from elsewhere. May be nested."""\n'
        "    thing_close(by=by)\n",
        encoding="utf-8",
    )
    (app / "demo.py").write_text(
        "from django.db import transaction\n"
        "from . import services\n\n"
        "def _step(by):\n"
        "    services.thing_close(by=by)\n\n"
        "def populate(by):\n"
        "    with transaction.atomic():\n"
        "        _step(by)\n"
        "    HANDLERS = [services.thing_close]\n",
        encoding="utf-8",
    )
    inside = PACKAGE / "_conventions_probe_services.py"
    shutil.copy(app / "services.py", inside)
    try:
        declared = nesting_declaration_problems([inside])
    finally:
        inside.unlink()
    assert [p.split(": ", 1)[1] for p in declared] == [
        "“Outermost” and transaction.atomic(durable=True) go together"
    ]
    problems = durable_call_problems(tmp_path, package="pkg")
    assert len(problems) == 3, problems
    assert "called inside a transaction by pkg.app.demo._step, pkg.app.services.thing_archive" in problems[0]
    assert "another service calls it: pkg.other.services.other_close" in problems[1]
    assert "passed around as a value: pkg.app.demo.populate line 10" in problems[2]


def test_requests_are_not_wrapped_in_a_transaction() -> None:
    """The call graph cannot see a request-wide transaction; a durable service would fail under one."""
    from django.conf import settings

    assert not any(db.get("ATOMIC_REQUESTS") for db in settings.DATABASES.values())


def test_a_durable_service_inside_another_transaction_fails_even_inside_a_test(db: None) -> None:
    """Only the test's own transaction is exempt from Django's durability check; so every test that walks a
    path where a durable service runs inside the code's transaction fails, as production would."""
    import pytest
    from django.db import transaction

    from jisheng.core.actor import System
    from jisheng.registry.services import person_reveal

    with pytest.raises(RuntimeError, match="durable atomic block cannot be nested"), transaction.atomic():
        person_reveal(person=None, field="id_number", reason="核对", by=System(job="test"))  # type: ignore[arg-type]


MAX_MODULE_LINES = 600


def test_no_module_is_longer_than_six_hundred_lines() -> None:
    """A module past 600 lines holds several things: split it (a ``services/`` package re-exporting the
    same names, as registry, hall and migrants do). Migrations are generated and exempt."""
    too_long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in sorted(PACKAGE.rglob("*.py")) + sorted((ROOT / "tests").rglob("*.py"))
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert not too_long, "\n".join(too_long)
