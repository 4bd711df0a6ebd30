"""The house rules of the code base, checked so later work keeps them (README, "Layout").

Layers point one way: the entry package and ``cli`` → ``web`` / ``commands`` → ``bootstrap`` → ``services``
→ ``policy`` → models, the database, the unit of work and the application context → the pure libraries
(``signing``, ``auditlog``, storage, PDF checks) → ``config``, ``errors``, ``paths``. A module imports its own
group or a lower layer, never a higher one; ``web`` and ``commands`` never import each other; services take
their settings and store as arguments (never from ``appctx``); nothing forms a cycle. ``signing`` and
``auditlog`` load neither Flask nor SQLAlchemy, and nothing under ``services`` loads Flask or ``docflow.web``.
Modules stay under 400 lines and functions under 40, with at most five functions excepted by a ``# size:``
comment saying why. Function-level imports between docflow modules say why in a comment; nothing imports a
``_`` name from outside its package; ``assert`` is never a runtime check.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "docflow"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40
MAX_SIZE_EXCEPTIONS = 5
SIZE_MARK = "# size:"

# Layer of each group; a group is a top-level module or sub-package of docflow. Lower number = higher layer.
LAYERS: dict[str, int] = {
    "docflow": 0, "cli": 0, "__main__": 0,
    "web": 1, "commands": 1,
    "bootstrap": 2,
    "services": 3,
    "policy": 4,
    "models": 5, "db": 5, "unit_of_work": 5, "appctx": 5, "mail": 5, "migrations": 5,
    "signing": 6, "auditlog": 6, "storage": 6, "pdfcheck": 6, "formatcheck": 6, "textsearch": 6, "doctypes": 6, "convert": 6,
    "csvexport": 6, "private_files": 6, "ocr": 6, "xlsxexport": 6, "exchange": 6, "wards": 6,
    "config": 7, "config_loading": 7, "config_exchange": 7, "config_sections": 7, "errors": 7, "paths": 7,
}
# Same-layer groups that must not import each other either (the two front doors).
APART = {frozenset({"web", "commands"})}
FLASK_FREE_LAYER = LAYERS["services"]  # from the services down, nothing imports Flask
PURE = ("signing", "auditlog", "exchange")     # no Flask, no SQLAlchemy, no models, no database


@dataclass(frozen=True)
class Import:
    source: str       # importing module
    target: str       # imported docflow module (or a third-party top-level name)
    names: tuple[str, ...]
    line: int
    top_level: bool
    commented: bool   # a comment on the line or the line above says why


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def group_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "docflow"


def _type_checking_block(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _walk(body: list[ast.stmt], top: bool) -> Iterator[tuple[ast.stmt, bool]]:
    """Every import statement with whether it runs at import time (module level, outside TYPE_CHECKING)."""
    for node in body:
        if _type_checking_block(node):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, top
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from _walk(node.body, top and isinstance(node, ast.ClassDef))
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                children = getattr(node, field, None)
                if isinstance(children, list):
                    yield from _walk([c for c in children if isinstance(c, ast.stmt | ast.ExceptHandler)], top)


def _targets(source: str, node: ast.Import | ast.ImportFrom, is_package: bool) -> list[tuple[str, tuple[str, ...]]]:
    if isinstance(node, ast.Import):
        return [(alias.name, ()) for alias in node.names]
    if node.level:
        base = source.split(".")[: len(source.split(".")) - node.level + (1 if is_package else 0)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    found: list[tuple[str, tuple[str, ...]]] = []
    for alias in node.names:
        submodule = f"{prefix}.{alias.name}"
        found.append((submodule, ()) if submodule in modules() else (prefix, (alias.name,)))
    return found


@cache
def imports() -> tuple[Import, ...]:
    found: list[Import] = []
    for name, path in modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = ast.parse("\n".join(lines))
        for node, top in _walk(tree.body, True):
            assert isinstance(node, (ast.Import, ast.ImportFrom))
            said = _explained(lines, node.lineno)
            for target, names in _targets(name, node, path.name == "__init__.py"):
                found.append(Import(name, target, names, node.lineno, top, said))
    return tuple(found)


def _explained(lines: list[str], lineno: int) -> bool:
    """A comment on the import's line, or above the block of imports it belongs to, says why."""
    if "#" in lines[lineno - 1]:
        return True
    for line in reversed(lines[: lineno - 1]):
        stripped = line.strip()
        if stripped.startswith("#"):
            return True
        if stripped and not stripped.startswith(("from ", "import ", ")")) and not stripped.endswith(","):
            return False
    return False


def internal(imp: Import) -> bool:
    return imp.target == "docflow" or imp.target.startswith("docflow.")


def test_every_module_belongs_to_a_layer() -> None:
    unknown = sorted({group_of(m) for m in modules()} - LAYERS.keys())
    assert unknown == [], f"add these to LAYERS in {__file__}: {unknown}"


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for imp in filter(internal, imports()):
        source, target = group_of(imp.source), group_of(imp.target)
        if source == target or imp.target == "docflow" and not imp.names:
            continue
        if LAYERS[target] < LAYERS[source] or frozenset({source, target}) in APART \
                or LAYERS[target] == LAYERS[source] and 0 < LAYERS[source] < LAYERS["models"]:
            wrong.append(f"{imp.source}:{imp.line} imports {imp.target}")
    assert wrong == []


def test_services_take_their_context_as_arguments() -> None:
    wrong = [f"{i.source}:{i.line}" for i in imports() if group_of(i.source) in ("services", "policy", "models")
             and i.target in ("docflow.appctx", "docflow.bootstrap")]
    assert wrong == []


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {m: set() for m in modules()}
    for imp in filter(internal, imports()):
        if imp.target in graph and imp.target != imp.source:
            graph[imp.source].add(imp.target)
    cycles = [sorted(c) for c in _strongly_connected(graph) if len(c) > 1]
    assert cycles == []


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the module graph is small, but recursion depth is not ours to spend)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def test_function_level_imports_say_why() -> None:
    silent = [f"{i.source}:{i.line} {i.target}" for i in imports() if internal(i) and not i.top_level and not i.commented]
    assert silent == []


def test_flask_stays_in_the_front_doors() -> None:
    wrong = [f"{i.source}:{i.line}" for i in imports()
             if i.target.split(".")[0] in ("flask", "flask_login", "flask_babel", "werkzeug")
             and LAYERS[group_of(i.source)] >= FLASK_FREE_LAYER]
    assert wrong == []


def test_signing_and_auditlog_are_pure() -> None:
    wrong = [f"{i.source}:{i.line} {i.target}" for i in imports() if group_of(i.source) in PURE
             and (i.target.split(".")[0] in ("flask", "sqlalchemy")
                  or group_of(i.target) in ("models", "db", "unit_of_work", "services", "web", "appctx"))]
    assert wrong == []


def _loaded_after_importing(prefixes: tuple[str, ...]) -> set[str]:
    """Import every module under ``prefixes`` in a fresh interpreter and return what ended up loaded."""
    names = sorted(m for m in modules() if m.startswith(prefixes))
    program = "import importlib, json, sys\n" \
              f"for name in {names!r}: importlib.import_module(name)\n" \
              "print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(json.loads(result.stdout))


def test_importing_services_loads_neither_flask_nor_the_web_layer() -> None:
    loaded = _loaded_after_importing(("docflow.services",))
    assert sorted(m for m in loaded if m == "flask" or m.startswith(("flask.", "docflow.web"))) == []


def test_importing_signing_and_auditlog_loads_neither_flask_nor_sqlalchemy() -> None:
    loaded = _loaded_after_importing(("docflow.signing", "docflow.auditlog", "docflow.exchange"))
    assert sorted(m for m in loaded if m.split(".")[0] in ("flask", "sqlalchemy")) == []


def _package_of(module: str) -> str:
    return module if modules()[module].name == "__init__.py" else module.rpartition(".")[0]


def test_private_names_stay_inside_their_package() -> None:
    wrong = []
    for imp in filter(internal, imports()):
        private = [n for n in imp.names if n.startswith("_") and not n.startswith("__")]
        if private and imp.target in modules() and not imp.source.startswith(_package_of(imp.target)):
            wrong.append(f"{imp.source}:{imp.line} {imp.target}.{private}")
    wrong += list(_private_attribute_uses())
    assert wrong == []


def _private_attribute_uses() -> Iterator[str]:
    """``module._name`` where ``module`` is a docflow module imported from outside its package."""
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for imp in imports():
            if imp.source == name and internal(imp) and imp.target in modules() and not imp.names:
                aliases[imp.target.rpartition(".")[2]] = imp.target
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    target = f"{node.module}.{alias.name}"
                    if target in modules():
                        aliases[alias.asname or alias.name] = target
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.attr.startswith("_") and not node.attr.startswith("__") \
                    and node.value.id in aliases and not name.startswith(_package_of(aliases[node.value.id])):
                yield f"{name}:{node.lineno} {aliases[node.value.id]}.{node.attr}"


def test_no_assert_as_a_runtime_check() -> None:
    found = [f"{name}:{node.lineno}" for name, path in modules().items()
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.Assert)]
    assert found == []


def test_no_module_over_the_size_limit() -> None:
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def _long_functions() -> Iterator[tuple[str, int, bool]]:
    for name, path in modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                    marked = any(SIZE_MARK in line for line in lines[max(first - 3, 0):node.lineno])
                    yield f"{name}.{node.name}:{node.lineno} ({length} lines)", length, marked


def test_functions_stay_short_with_few_explained_exceptions() -> None:
    unexplained = [where for where, _, marked in _long_functions() if not marked]
    explained = [where for where, _, marked in _long_functions() if marked]
    assert unexplained == []
    assert len(explained) <= MAX_SIZE_EXCEPTIONS, explained
