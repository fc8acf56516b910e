"""Contracts that keep the architecture as docs/architecture.md draws it, checked on the source:
the core knows nothing of Django or the apps, reads never call writes, one module writes
actuals, and no two modules import each other (type-only imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "chiiki"


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """Every module ``name`` imports (at any level, under TYPE_CHECKING too), resolved."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)
    return {m for m in out if m in MODULES or not m.startswith("chiiki")}


def test_the_core_imports_nothing_from_django_or_the_apps():
    for name in MODULES:
        if not name.startswith("chiiki.core"):
            continue
        for imported in _imports(name):
            assert not imported.startswith("django"), (name, imported)
            assert not imported.startswith("chiiki.") or imported.startswith("chiiki.core"), (
                name,
                imported,
            )


def test_selectors_never_import_services():
    selectors = [n for n in MODULES if n.endswith(".selectors")]
    assert len(selectors) >= 6
    for name in selectors:
        writes = {m for m in _imports(name) if m.endswith(".services") or ".services." in m}
        assert not writes, (name, writes)


# The one writer of actuals, and the grader, which writes only the computed columns.
ACTUAL_WRITERS = {"chiiki.indicators.services", "chiiki.indicators.grading"}
_WRITES = {"create", "bulk_create", "update", "bulk_update", "get_or_create", "update_or_create"}


def test_no_module_outside_the_one_write_path_creates_or_updates_actuals():
    offenders = []
    for name, path in MODULES.items():
        if name in ACTUAL_WRITERS:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                if node.func.id == "Actual":
                    offenders.append(f"{name}:{node.lineno} Actual(...)")
            if isinstance(node, ast.Attribute) and node.attr in _WRITES:
                target = ast.unparse(node.value)
                if target.startswith("Actual.objects"):
                    offenders.append(f"{name}:{node.lineno} {target}.{node.attr}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value.upper()
                if "INDICATORS_ACTUAL" in text and any(
                    w in text for w in ("UPDATE", "INSERT", "COPY", "DELETE")
                ):
                    offenders.append(f"{name}:{node.lineno} SQL on indicators_actual")
                if node.value == "indicators_actual":
                    offenders.append(f"{name}:{node.lineno} table name indicators_actual")
    assert offenders == []


def test_no_import_cycles_between_modules():
    graph = {name: {m for m in _imports(name) if m in MODULES and m != name} for name in MODULES}
    # a package's __init__ importing its own submodules is not a cycle of the code
    cycles = []
    for a, targets in graph.items():
        for b in targets:
            if a in graph.get(b, set()) and a < b:
                cycles.append((a, b))
    assert cycles == []


# Rates and grades are worked out by the core's assess, called from the grader (what is
# stored) and from the indicator reads (a table as of a past year, the KPI page's history).
ASSESSORS = {"chiiki.indicators.grading", "chiiki.indicators.selectors"}


def test_only_the_grader_and_the_indicator_reads_grade():
    callers = set()
    for name, path in MODULES.items():
        if name.startswith("chiiki.core"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("assess"):
                callers.add(name)
    assert callers == ASSESSORS


def test_the_project_page_and_the_progress_report_build_rows_with_one_function():
    """Both progress tables come from indicators.selectors.progress_rows (issue: a plan on
    another scheme once read differently on the page and in the report); the reports'
    table (reports.tables) serves the progress report and the 事務事業評価シート alike."""
    for name in ("chiiki.plans.selectors", "chiiki.reports.tables"):
        tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
        imported = {
            (node.module, alias.name)
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        assert ("chiiki.indicators.selectors", "progress_rows") in imported, name


def test_every_server_side_cursor_is_read_inside_a_snapshot():
    """`.iterator()` opens a server-side cursor on PostgreSQL. Behind pgbouncer's transaction
    pooling it must live inside a transaction, so each function that makes one reads it inside
    `chiiki.storage.snapshot()` (tests/deploy/test_scale_out.py fails without it)."""

    def calls(node: ast.AST, name: str) -> bool:
        return any(
            isinstance(n, ast.Call)
            and (
                (isinstance(n.func, ast.Attribute) and n.func.attr == name)
                or (isinstance(n.func, ast.Name) and n.func.id == name)
            )
            for n in ast.walk(node)
        )

    found = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef) and calls(function, "iterator"):
                found.append(name)
                with_snapshot = any(
                    isinstance(n, ast.With)
                    and any(calls(i.context_expr, "snapshot") for i in n.items)
                    for n in ast.walk(function)
                )
                assert with_snapshot, f"{name}.{function.name} reads .iterator() outside snapshot()"
    assert sorted(found) == ["chiiki.datasets.backup", "chiiki.reports.opendata"]
