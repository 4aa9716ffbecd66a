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
