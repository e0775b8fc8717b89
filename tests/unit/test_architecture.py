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

3. Layers point inward. In a service, `domain/` imports no other layer of it;
   `application/` and `adapters/` do not import `entrypoints/`; `adapters/` do not
   import `application/`. `LAYER_EXCEPTIONS` names the few that still do, each with
   why; it may only shrink.

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
# -- 3. layers ---------------------------------------------------------------------------
LAYERS = ("domain", "application", "adapters", "entrypoints")
# layer -> the layers of its own service it may not import
INWARD = {"domain": {"application", "adapters", "entrypoints"}, "application": {"entrypoints"},
          "adapters": {"application", "entrypoints"}}
# "<module>: <imported module>" -> why it is allowed for now. Only ever shrink it.
LAYER_EXCEPTIONS = {
    "roster/adapters/staging.py: services.roster.application.staged_events":
        "the staged apply emits the import's events it is handed (StagedEvents) at its commit point",
    "goals/application/evidence.py: services.goals.entrypoints.http.schemas.family":
        "a streamed upload's form fields are checked by the same schema as the JSON body, while streaming",
    "notifications/adapters/outcomes.py: services.notifications.application.attempts":
        "the batched outcome writes take the update each attempt rule computes",
    "reports/domain/model.py: services.reports.adapters.rendering.html":
        "the report model uses the renderer's date and language helpers (as_date, normalize_lang, translations)",
    "reports/adapters/eventlog.py: services.reports.application.projection":
        "replaying the event log runs the projections again (the same functions as live events)",
    "reports/adapters/rendering/pool.py: services.reports.entrypoints.render_worker":
        "the pool speaks the render worker process's frame protocol (read_frame, write_frame)",
}


def layer_problems(root: Path, exceptions: dict[str, str]) -> list[str]:
    services = service_packages(root) - LIBRARIES
    found = set()
    problems = []
    for rel, tree in modules(root):
        if len(rel.parts) < 3 or rel.parts[0] not in services or rel.parts[1] not in INWARD:
            continue
        svc, layer = rel.parts[0], rel.parts[1]
        for line, dotted in imported_modules(tree, rel):
            parts = dotted.split(".")
            if len(parts) < 3 or parts[:2] != ["services", svc] or parts[2] not in INWARD[layer]:
                continue
            module = ".".join(parts[:3]) if parts[2] == "application" and len(parts) == 3 else dotted
            key = f"{rel.as_posix()}: {_module_part(root, parts)}"
            found.add(key)
            if key not in exceptions:
                problems.append(f"{rel}:{line}: {layer} imports {module} ({parts[2]} is an outer layer)")
    problems += [f"{key}: no longer imported; take it off LAYER_EXCEPTIONS" for key in sorted(set(exceptions) - found)]
    return problems


def _module_part(root: Path, parts: list[str]) -> str:
    """The imported module itself (`from pkg.mod import name` may name a function)."""
    for n in range(len(parts), 2, -1):
        path = root.joinpath(*parts[1:n])
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return ".".join(parts[:n])
    return ".".join(parts)


def test_layers_point_inward():
    assert layer_problems(SERVICES, LAYER_EXCEPTIONS) == []


def test_layer_scan_finds_an_outward_import_and_a_stale_exception(tmp_path):
    root = _tree(tmp_path, {
        "alpha/domain/__init__.py": "", "alpha/domain/rules.py": "from services.alpha.adapters import repo\n",
        "alpha/adapters/__init__.py": "", "alpha/adapters/repo.py": "from services.alpha.domain import rules\n",
        "alpha/application/__init__.py": "",
        "alpha/application/use.py": "from services.alpha.entrypoints.http import schemas\n",
        "alpha/entrypoints/__init__.py": "", "alpha/entrypoints/http/__init__.py": "",
        "alpha/entrypoints/http/schemas.py": "from services.alpha.application import use\n",
    })
    problems = layer_problems(root, {"alpha/adapters/repo.py: services.alpha.application.gone": "stale"})
    assert [p.split(":")[0] for p in problems] == [
        "alpha/application/use.py", "alpha/domain/rules.py", "alpha/adapters/repo.py"]
    assert "domain imports services.alpha.adapters" in problems[1]


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
