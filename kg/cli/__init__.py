"""``kg``: the command-line twin of the library. Each command is a thin wrapper over ``kg.*``: it
parses its options, calls the library, and prints the result or exits with a code
(``kg.cli.errors``).

The commands live by area, one module each (``pipeline``, ``query``, ``questions``, ``publish``,
``sources``, ``curation``), and ``kg --help`` lists them so (the source texts, and the review
of a change to the curated files, with the pipeline, whose validation checks them). Other
packages add commands through the entry point group ``kg.commands`` (``kg.cli.plugins``): that
is how ``kg serve`` comes from the web app, which this package never imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from kg import __version__
from kg.cli import curation, pipeline, publish, query, questions, sources
from kg.cli.plugins import command_entry_points, load

Area = tuple[str, Sequence[click.Command]]

AREAS: tuple[Area, ...] = (
    (
        "Pipeline (load → validate → reason → build)",
        (*pipeline.COMMANDS, *sources.COMMANDS, *curation.COMMANDS),
    ),
    ("Query", query.COMMANDS),
    ("Questions", questions.COMMANDS),
    ("Publish", publish.COMMANDS),
)
PLUGINS = "From installed packages"


class AreaGroup(click.Group):
    """A group whose help lists its commands by area, and which offers the commands of installed
    packages after its own, loading one only when it is asked for."""

    def __init__(self, name: str | None = None, *, areas: Sequence[Area], **kwargs: Any) -> None:
        super().__init__(name, commands=[c for _, cs in areas for c in cs], **kwargs)
        self.areas = tuple((title, tuple(str(c.name) for c in cs)) for title, cs in areas)

    def list_commands(self, ctx: click.Context) -> list[str]:
        own = super().list_commands(ctx)
        return own + sorted(name for name in command_entry_points() if name not in self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and (point := command_entry_points().get(cmd_name)) is not None:
            return load(point)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        plugins = [name for name in self.list_commands(ctx) if name not in self.commands]
        sections = [*self.areas, (PLUGINS, tuple(plugins))]
        found = {
            name: command
            for _, names in sections
            for name in names
            if (command := self.get_command(ctx, name)) is not None and not command.hidden
        }
        if not found:
            return
        width = max(len(name) for name in found)
        limit = formatter.width - 6 - width
        for title, names in sections:
            rows = [
                (name.ljust(width), found[name].get_short_help_str(limit))
                for name in names
                if name in found
            ]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


@click.group(cls=AreaGroup, areas=AREAS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
def cli() -> None:
    """Peace Talks KG: positions in the Russia–Ukraine peace negotiations, with evidence.

    Each command is the twin of a function of the library (kg): the pipeline checks the curated
    files and builds the graph; the other commands query it, answer temporal questions with their
    evidence, and publish it. Installed packages add commands of their own (the entry points
    "kg.commands"), such as the web app's.

    Exit codes: 0 ok, 1 data does not conform, 2 bad input (unloadable file, bad query, bad option),
    3 a remote store failed.
    """


def main() -> None:
    """The ``kg`` console script and ``python -m kg``."""
    cli()
