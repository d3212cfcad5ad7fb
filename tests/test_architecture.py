"""The shape of the code, held as tests: data flows down from the shells (``server/``, the CLI)
through the feature packages to the store and RDF layers, never back up; modules and functions
stay small enough to read whole."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CODE = sorted([*REPO.joinpath("kg").rglob("*.py"), *REPO.joinpath("server").rglob("*.py")])
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60

LAYERS = {
    "kg.rdf": 0,
    "kg.fsutil": 0,
    "kg.store": 1,
    "kg.pipeline": 2,
    "kg.questions": 2,
    "kg.endpoint": 3,
    "kg.browse": 3,
    "kg.publish": 3,
    "kg.sources": 3,
    "kg.curation": 4,
    "kg.settings": 5,
    "kg.cli": 6,
    "kg.__main__": 7,
}
"""Each package's floor: a module may import from its own package and from lower floors only."""


def _module(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _floor(module: str) -> tuple[str, int] | None:
    for package, floor in LAYERS.items():
        if module == package or module.startswith(package + "."):
            return package, floor
    return None


@pytest.mark.parametrize("path", CODE, ids=lambda p: str(p.relative_to(REPO)))
def test_imports_run_down_the_layers(path):
    here = _module(path)
    if not here.startswith("kg"):
        return
    mine = _floor(here)
    for imported in _imports(path):
        assert not imported.startswith("server"), (
            f"{here} imports {imported}: kg never imports server"
        )
        theirs = _floor(imported)
        if mine is None or theirs is None or theirs[0] == mine[0]:
            continue
        assert theirs[1] < mine[1], (
            f"{here} (floor {mine[1]}) imports {imported} (floor {theirs[1]})"
        )


def test_every_kg_package_has_a_floor():
    packages = {_module(p) for p in REPO.joinpath("kg").glob("*/__init__.py")}
    modules = {_module(p) for p in REPO.joinpath("kg").glob("*.py")} - {"kg"}
    assert {m for m in packages | modules if _floor(m) is None} == set()


@pytest.mark.parametrize("path", CODE, ids=lambda p: str(p.relative_to(REPO)))
def test_modules_and_functions_are_small(path):
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name}: {text.count(chr(10))} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, (
                f"{path.name}:{node.lineno} {node.name}: {length} lines"
            )
