"""Imports run one way, down the layers of docs/design.md ("Layers"): no module imports from a
layer above its own, every module of the project belongs to a layer, and no modules import
each other in a circle (so that the files of a page's path read in order).

Every import counts, also those inside functions (loaded late for speed) and those under
``TYPE_CHECKING``: a late import is still a dependency.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("kibaru", "crawler", "workers", "storage")


@dataclass(frozen=True)
class Layer:
    """A layer: the modules under ``prefixes``, and the layers they may import from."""

    name: str
    prefixes: tuple[str, ...]
    may_import: tuple[str, ...]


# Top to bottom; a layer may import itself and the layers it names, nothing else.
LAYERS = (
    Layer(
        "cli",
        ("kibaru",),
        ("crawler", "ingest", "queue", "workers", "storage", "stages", "settings"),
    ),
    Layer("crawler", ("crawler",), ("ingest", "queue", "storage", "stages", "settings")),
    # Where a crawl (or a rerun) hands its pages: in this process, or to the task queue.
    Layer("ingest", ("workers.ingest",), ("queue", "workers", "storage", "stages", "settings")),
    # The Celery layer: the app, its tasks, a worker process's resources, crawl jobs, beat.
    Layer("queue", ("workers.queue",), ("workers", "storage", "stages", "settings")),
    # The processing of one page, wherever it runs. Dedup has one home, its package under
    # workers/stages/; its index backends and the service the pipeline calls read the store
    # and Redis, so they stand in this layer.
    Layer(
        "workers",
        (
            "workers",
            "workers.stages.dedup.service",
            "workers.stages.dedup.database_index",
            "workers.stages.dedup.redis_index",
        ),
        ("storage", "stages", "settings"),
    ),
    Layer("storage", ("storage",), ("settings",)),
    # The stages are pure functions (HTML/text in, values out): they take what they need as
    # arguments, never the settings, the store or the broker.
    Layer("stages", ("workers.stages",), ()),
    Layer("settings", ("kibaru.settings",), ()),
)


def layer_of(module: str, layers: tuple[Layer, ...] = LAYERS) -> Layer | None:
    """The layer of ``module``: the one with the longest prefix that contains it."""
    best: tuple[int, Layer] | None = None
    for layer in layers:
        for prefix in layer.prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[0]
            ):
                best = (len(prefix), layer)
    return best[1] if best else None


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, packages: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, module) of every import of one of ``packages`` in the file, wherever it stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from workers import stages`` imports workers.stages: count the longest name.
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.extend((node.lineno, name) for name in names if name.split(".")[0] in packages)
    return found


def violations(
    root: Path, packages: tuple[str, ...] = PACKAGES, layers: tuple[Layer, ...] = LAYERS
) -> list[str]:
    """One line per import that goes up (or sideways into a layer not allowed), and per module
    that belongs to no layer."""
    problems = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            module = module_name(path, root)
            own = layer_of(module, layers)
            where = path.relative_to(root)
            if own is None:
                problems.append(f"{where}: {module} is in no layer (add it to docs/design.md)")
                continue
            for line, target in imported_modules(path, packages):
                other = layer_of(target, layers)
                if other is None or other.name == own.name or other.name in own.may_import:
                    continue
                problems.append(
                    f"{where}:{line}: {module} ({own.name}) imports {target} ({other.name})"
                )
    return problems


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Each project module and the project modules it imports (a name imported from a module
    counts as that module; a module's own parent packages are left out)."""
    paths = {
        module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        targets = set()
        for _, name in imported_modules(path, packages):
            while name and name not in paths:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):
                targets.add(name)
        graph[module] = targets
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or through others (sorted)."""
    found = []
    reaches = {module: _reachable(graph, module) for module in graph}
    seen: set[str] = set()
    for module in sorted(graph):
        if module in seen:
            continue
        group = sorted(other for other in reaches[module] if module in reaches[other])
        if group:
            seen.update(group)
            found.append(group)
    return found


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    found: set[str] = set()
    todo = list(graph[start])
    while todo:
        module = todo.pop()
        if module not in found:
            found.add(module)
            todo.extend(graph.get(module, ()))
    return found


def test_no_module_imports_from_a_layer_above_its_own() -> None:
    problems = violations(ROOT)
    assert not problems, "imports against the layers of docs/design.md:\n" + "\n".join(problems)


def test_the_check_sees_an_upward_import_a_late_one_and_a_module_in_no_layer(
    tmp_path: Path,
) -> None:
    def write(relative: str, text: str) -> None:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    write("storage/__init__.py", "")
    write("storage/models.py", "from workers.stages import page\n")
    write("workers/__init__.py", "")
    write("workers/stages/__init__.py", "")
    write("workers/stages/page.py", "def f():\n    import storage.models\n")
    write("workers/tasks.py", "from storage.models import X\nfrom workers.stages.page import Y\n")
    write("crawler/__init__.py", "")
    write("kibaru/__init__.py", "")
    write("kibaru/settings.py", "")
    write("oddity/__init__.py", "")
    found = violations(tmp_path, ("kibaru", "crawler", "workers", "storage", "oddity"))
    assert found == [
        "workers/stages/page.py:2: workers.stages.page (stages) imports storage.models (storage)",
        "storage/models.py:1: storage.models (storage) imports workers.stages.page (stages)",
        "oddity/__init__.py: oddity is in no layer (add it to docs/design.md)",
    ]


def test_no_modules_import_each_other_in_a_circle() -> None:
    found = circles(import_graph(ROOT))
    assert not found, "modules that import each other (one of them must not): " + "; ".join(
        " <-> ".join(group) for group in found
    )


def test_the_circle_check_sees_a_late_import_back(tmp_path: Path) -> None:
    (tmp_path / "workers").mkdir()
    (tmp_path / "workers" / "__init__.py").write_text("")
    (tmp_path / "workers" / "ingest.py").write_text("def f():\n    from workers import embedded\n")
    (tmp_path / "workers" / "embedded.py").write_text("from workers.ingest import Progress\n")
    (tmp_path / "workers" / "pipeline.py").write_text("from workers.embedded import x\n")
    graph = import_graph(tmp_path, ("workers",))
    assert graph["workers.pipeline"] == {"workers.embedded"}
    assert circles(graph) == [["workers.embedded", "workers.ingest"]]
