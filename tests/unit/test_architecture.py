"""The shape of the code, checked by reading it (AST only: nothing is imported or run).

1. No service imports another service's code. A service package (``services/<name>/``)
   imports only itself and the shared packages ``services.common`` (the plumbing) and
   ``services.access`` (access rules several services share); the shared packages
   import no service; a top-level module of ``services/`` that imports a service is
   tooling and must be listed in ``TOOLING`` with the reason.
2. Only a service's repositories touch MongoDB collections: ``db[...]``, ``.db[...]``
   (``uow.db``, ``store.db``), ``database[...]``, ``get_collection(...)`` and the unit of
   work's ``.collection(...)`` appear only in repository modules (``repository.py``,
   ``repositories.py``, or a module under an ``adapters/`` or ``repositories/``
   package). The services are not all restructured yet, so ``ALLOWED`` lists today's
   other offenders with their counts; it may only shrink, and must match exactly (a
   module that offends less or no longer is taken off or lowered, so the list stays
   honest). ``services/common`` (the platform's own storage: outbox, ledger, timers, locks)
   and ``services/access`` (the shared roster projection, its own repository) are not
   scanned for this rule.

After a merge or a restructuring, regenerate the list from the tree and review the diff:

    python tests/unit/test_architecture.py            # prints the current offenders
    python tests/unit/test_architecture.py --write    # rewrites ALLOWED below
"""
from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "services"
SHARED = "common"
# Shared packages that are not services: every service may import them; they import no
# service. `access` holds the access matrix and the roster projection that the services
# reading the roster's students share (business rules, so not in common).
LIBRARIES = {SHARED, "access"}
# Top-level modules of services/ that may import services, and why.
TOOLING = {
    "cli.py": "the `confer` command: runs and manages every service (services.<name>.SERVICE)",
    "devrunner.py": "the dev runner: starts every service and the portal in one process, loads the demo roster",
}
REPOSITORY_FILES = {"repository.py", "repositories.py"}
REPOSITORY_PACKAGES = {"adapters", "repositories"}
DB_NAMES = {"db", "database"}
COLLECTION_CALLS = {"get_collection", "collection"}

# Modules (relative to services/) that touch collections outside a repository, and how
# many times. Only ever lower these; regenerate with `--write` (see the docstring).
# BEGIN ALLOWED
ALLOWED: dict[str, int] = {
    "goals/application/access.py": 1,
    "goals/application/evidence.py": 4,
    "goals/application/family.py": 7,
    "goals/application/goals.py": 3,
    "goals/application/outcomes.py": 3,
    "goals/application/packet.py": 3,
    "goals/application/progress.py": 8,
    "goals/entrypoints/handlers.py": 1,
    "notifications/application/attempts.py": 1,
    "notifications/application/deliveries.py": 3,
    "notifications/application/digest.py": 4,
    "notifications/application/inbox.py": 13,
    "notifications/application/projections.py": 6,
    "notifications/entrypoints/lanes.py": 9,
    "reports/application/batch.py": 6,
    "reports/application/facts.py": 3,
    "reports/application/jobs.py": 8,
    "reports/application/projection.py": 5,
    "reports/application/reports.py": 7,
    "reports/entrypoints/cli.py": 3,
    "roster/application/recovery.py": 7,
    "roster/entrypoints/http/imports.py": 1,
    "scheduling/application/access.py": 2,
    "scheduling/application/booking_steps.py": 8,
    "scheduling/application/bookings.py": 2,
    "scheduling/application/changes.py": 5,
    "scheduling/application/feeds.py": 7,
    "scheduling/application/outcomes.py": 1,
    "scheduling/application/queries.py": 8,
    "scheduling/application/reminders.py": 3,
    "scheduling/application/snowday.py": 8,
    "scheduling/application/waitlist.py": 9,
    "scheduling/application/windows.py": 7,
    "scheduling/entrypoints/documents/views.py": 4,
    "scheduling/entrypoints/handlers.py": 10,
}
# END ALLOWED


# -- 1. imports ------------------------------------------------------------------------
def service_packages(root: Path) -> set[str]:
    return {p.parent.name for p in root.glob("*/__init__.py") if p.parent.name not in LIBRARIES}


def _package_of(rel: Path) -> list[str]:
    """The package a relative import starts from (for ``__init__.py``, its own)."""
    return ["services", *rel.parts[:-1]]


def imported_modules(tree: ast.AST, rel: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of everything a module imports, anywhere in it (functions
    too), relative imports resolved; ``from services import x`` gives ``services.x``;
    ``import_module("services.x")`` with a literal name counts as an import."""
    package = _package_of(rel)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[:len(package) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found += [(node.lineno, f"{base}.{alias.name}" if alias.name != "*" else base) for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str) and _name(node.func) == "import_module"):
            found.append((node.lineno, node.args[0].value))
    return found


def _name(func: ast.expr) -> str | None:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None


def _service_of(dotted: str, services: set[str]) -> str | None:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "services" and parts[1] in services else None


def modules(root: Path):
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def import_problems(root: Path, tooling: dict[str, str]) -> list[str]:
    services = service_packages(root)
    problems = []
    for rel, tree in modules(root):
        owner = rel.parts[0] if len(rel.parts) > 1 else None  # None: a top-level module
        for line, dotted in imported_modules(tree, rel):
            target = _service_of(dotted, services)
            if target is None or target == owner:
                continue
            if owner is None and str(rel) in tooling:
                continue
            who = f"services.{owner}" if owner in LIBRARIES else f"tooling module {rel} (not in TOOLING)" \
                if owner is None else f"service {owner}"
            problems.append(f"{rel}:{line}: {who} imports {dotted} (service {target}'s code)")
    return problems


# -- 2. collections ----------------------------------------------------------------------
def is_repository(rel: Path) -> bool:
    return rel.name in REPOSITORY_FILES or bool(REPOSITORY_PACKAGES & set(rel.parts[1:-1]))


def collection_touches(tree: ast.AST) -> list[int]:
    """Lines where a module touches a collection."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript):
            value = node.value
            if (isinstance(value, ast.Name) and value.id in DB_NAMES) or \
                    (isinstance(value, ast.Attribute) and value.attr in DB_NAMES):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and _name(node.func) in COLLECTION_CALLS:
            if _name(node.func) == "get_collection" or isinstance(node.func, ast.Attribute):
                lines.append(node.lineno)
    return sorted(lines)


def collection_offenders(root: Path) -> dict[str, int]:
    """Modules of service packages, outside their repositories, that touch collections."""
    services = service_packages(root)
    out = {}
    for rel, tree in modules(root):
        if len(rel.parts) > 1 and rel.parts[0] in services and not is_repository(rel):
            n = len(collection_touches(tree))
            if n:
                out[rel.as_posix()] = n
    return dict(sorted(out.items()))


def collection_problems(found: dict[str, int], allowed: dict[str, int]) -> list[str]:
    problems = []
    for module, n in found.items():
        if module not in allowed:
            problems.append(f"{module}: touches collections {n} time(s) outside a repository "
                            "(move the queries into the service's repository)")
        elif n > allowed[module]:
            problems.append(f"{module}: touches collections {n} time(s), more than the {allowed[module]} allowed")
        elif n < allowed[module]:
            problems.append(f"{module}: now touches collections {n} time(s); lower ALLOWED to {n}")
    problems += [f"{module}: no longer touches collections; take it off ALLOWED"
                 for module in allowed if module not in found]
    return problems


def allowed_block(found: dict[str, int]) -> str:
    body = "".join(f"    {json.dumps(module)}: {n},\n" for module, n in found.items())
    return f"ALLOWED: dict[str, int] = {{\n{body}}}\n"


# -- the tests on this tree ---------------------------------------------------------------
def test_no_service_imports_another_services_code():
    problems = import_problems(SERVICES, TOOLING)
    assert not problems, "\n".join(problems)


def test_tooling_modules_exist_and_import_services():
    for name in TOOLING:
        rel = Path(name)
        tree = ast.parse((SERVICES / rel).read_text(encoding="utf-8"))
        assert any(_service_of(d, service_packages(SERVICES)) for _, d in imported_modules(tree, rel)), \
            f"{name} imports no service: take it off TOOLING"


def test_collections_are_touched_only_in_repositories_or_in_allow_listed_modules():
    found = collection_offenders(SERVICES)
    print("current offenders (python tests/unit/test_architecture.py --write to update):\n" + allowed_block(found))
    problems = collection_problems(found, ALLOWED)
    assert not problems, "\n".join(problems)


# -- the checks fail on a violation: a synthetic tree ----------------------------------------
def _tree(root: Path, files: dict[str, str]) -> Path:
    services = root / "services"
    for rel, text in files.items():
        path = services / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for pkg in ("common", "alpha", "beta"):
        (services / pkg).mkdir(parents=True, exist_ok=True)
        (services / pkg / "__init__.py").touch()
    return services


def test_import_scan_finds_every_way_one_service_reaches_into_another(tmp_path):
    root = _tree(tmp_path, {
        "alpha/plain.py": "import services.beta.domain\n",
        "alpha/sub/__init__.py": "",
        "alpha/sub/relative.py": "from ...beta import domain\n",
        "alpha/from_root.py": "from services import beta\n",
        "alpha/inside.py": "def f():\n    from services.beta.domain import x\n    return x\n",
        "alpha/dynamic.py": "import importlib\nm = importlib.import_module('services.beta.domain')\n",
        "alpha/fine.py": "from services.common import store\nfrom services.alpha import fine\nfrom . import plain\n"
                         "from ..common import bus\nimport servicesx.beta\n",
        "common/leak.py": "from services.alpha.plain import y\n",
        "tool.py": "from services.alpha import plain\n",
        "listed.py": "from services.beta import domain\n",
    })
    problems = import_problems(root, {"listed.py": "a listed tool"})
    assert [p.split(":")[0] for p in problems] == [
        "alpha/dynamic.py", "alpha/from_root.py", "alpha/inside.py", "alpha/plain.py", "alpha/sub/relative.py",
        "common/leak.py", "tool.py"]
    assert "service alpha imports services.beta" in problems[0]
    assert "services.common imports services.alpha.plain.y" in problems[5]
    assert "not in TOOLING" in problems[6]
    assert import_problems(_tree(tmp_path / "clean", {"alpha/a.py": "from services.common import x\n"}), {}) == []


def test_collection_scan_counts_each_pattern_outside_repositories(tmp_path):
    root = _tree(tmp_path, {
        "alpha/use_case.py": ("def f(uow, store, db, database, client):\n"
                              "    uow.db['a'].find_one({})\n"
                              "    store.db['b'].insert_one({})\n"
                              "    db['c'].delete_one({})\n"
                              "    database['d'].count_documents({})\n"
                              "    client.confer.get_collection('e')\n"
                              "    uow.collection('f')\n"
                              "    other['g'], uow.dbx['h'], collection('i')\n"),
        "alpha/repository.py": "def f(uow):\n    return uow.db['a']\n",
        "alpha/adapters/__init__.py": "",
        "alpha/adapters/bookings.py": "def f(uow):\n    return uow.db['a']\n",
        "beta/clean.py": "def f(repo):\n    return repo.find()\n",
        "common/store.py": "def f(self):\n    return self.db['outbox']\n",
    })
    assert collection_offenders(root) == {"alpha/use_case.py": 6}


def test_collection_allow_list_must_match_exactly(tmp_path):
    found = {"alpha/a.py": 3, "alpha/b.py": 2}
    assert collection_problems(found, {"alpha/a.py": 3, "alpha/b.py": 2}) == []
    assert collection_problems(found, {"alpha/a.py": 3}) == [
        "alpha/b.py: touches collections 2 time(s) outside a repository (move the queries into the service's "
        "repository)"]
    assert collection_problems(found, {"alpha/a.py": 2, "alpha/b.py": 2}) == [
        "alpha/a.py: touches collections 3 time(s), more than the 2 allowed"]
    assert collection_problems(found, {"alpha/a.py": 4, "alpha/b.py": 2}) == [
        "alpha/a.py: now touches collections 3 time(s); lower ALLOWED to 3"]
    assert collection_problems(found, {"alpha/a.py": 3, "alpha/b.py": 2, "alpha/gone.py": 1}) == [
        "alpha/gone.py: no longer touches collections; take it off ALLOWED"]


def test_a_regenerated_allow_list_reads_back_as_the_same_counts():
    found = {"alpha/a.py": 3, "beta/sub/b.py": 12}
    namespace: dict = {}
    exec(allowed_block(found), namespace)
    assert namespace["ALLOWED"] == found


def _write_allowed(found: dict[str, int]) -> None:
    path = Path(__file__)
    text = path.read_text(encoding="utf-8")
    block = re.compile(r"(# BEGIN ALLOWED\n).*?(# END ALLOWED\n)", re.S)
    path.write_text(block.sub(lambda m: m.group(1) + allowed_block(found) + m.group(2), text, count=1),
                    encoding="utf-8")


if __name__ == "__main__":
    current = collection_offenders(SERVICES)
    if "--write" in sys.argv[1:]:
        _write_allowed(current)
        print(f"ALLOWED rewritten: {len(current)} module(s), {sum(current.values())} touches")
    else:
        print(allowed_block(current), end="")
        for problem in import_problems(SERVICES, TOOLING):
            print("import:", problem)
