"""Commands other packages add to ``kg``: the entry points of the group ``kg.commands``.

The library knows no command that lives outside it by name: a package declares its commands in
its ``pyproject.toml`` (``[project.entry-points."kg.commands"]``, ``serve = "server.cli:serve"``)
and ``kg`` lists them, loading one only when it is run or its help is shown. That keeps ``kg``
free of the web app: ``kg validate`` never imports Flask.

Installed metadata is what ``importlib.metadata`` reads, and for an editable install it records
the entry points of the checkout it was installed from, as they were then. When ``kg`` runs from a
source checkout (a ``pyproject.toml`` beside the ``kg`` package), that file's own declarations
therefore replace the installed ones of the same distribution: a command added or moved in the
checkout works before anyone re-installs it.
"""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

import click

import kg

GROUP = "kg.commands"


def command_entry_points() -> dict[str, EntryPoint]:
    """The entry points of ``kg.commands`` by name: installed ones, with those of the checkout
    ``kg`` runs from (if any) in place of its distribution's installed ones."""
    found = {point.name: point for point in entry_points(group=GROUP)}
    checkout = _checkout()
    if checkout is None:
        return found
    distribution, declared = checkout
    others = {name: point for name, point in found.items() if _distribution(point) != distribution}
    return others | declared


def load(point: EntryPoint) -> click.Command | None:
    """The command ``point`` names, or None (with a warning on stderr) when it cannot be
    loaded: a broken plugin must not take the other commands down with it."""
    try:
        command = point.load()
    except Exception as exc:  # any import-time failure of someone else's package
        click.echo(f"warning: cannot load command {point.name!r} ({point.value}): {exc}", err=True)
        return None
    if not isinstance(command, click.Command):
        click.echo(f"warning: {point.value} is not a click command; skipped", err=True)
        return None
    return command


def _checkout() -> tuple[str, dict[str, EntryPoint]] | None:
    """The distribution name and ``kg.commands`` declarations of the ``pyproject.toml`` beside the
    ``kg`` package, or None when ``kg`` does not run from a source checkout."""
    pyproject = Path(kg.__file__).resolve().parents[1] / "pyproject.toml"
    try:
        project: dict[str, Any] = tomllib.loads(pyproject.read_text("utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return None
    name = project.get("name")
    if not isinstance(name, str):
        return None
    declared = project.get("entry-points", {}).get(GROUP, {})
    return _normalised(name), {
        command: EntryPoint(command, str(value), GROUP) for command, value in declared.items()
    }


def _distribution(point: EntryPoint) -> str | None:
    dist = getattr(point, "dist", None)
    return _normalised(dist.name) if dist is not None else None


def _normalised(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()
