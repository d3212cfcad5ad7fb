"""Write docs/cli.md, the reference of the ``kg`` command, from the commands' own ``--help``.

The reference is generated rather than written so that it cannot drift from the code: every
command, subcommand and option appears exactly as ``kg … --help`` prints it, and
``tests/test_docs.py`` fails when the file is stale. After changing a command, run it from the
repository root (it documents the checkout it sits in, whichever ``kg`` is installed):

    .venv/bin/python scripts/cli_reference.py          # rewrite docs/cli.md
    .venv/bin/python scripts/cli_reference.py --check  # exit 1 if docs/cli.md is stale

The command line is reached only through ``kg.cli``'s public ``cli`` group, walked with click's
own ``list_commands``/``get_command``, so it does not matter how ``kg.cli`` is organised or where
a command is registered.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "cli.md"
PROG = "kg"
# The width of the help text: what an 80-column terminal shows, whatever runs this script.
WIDTH = 80
REGENERATE = ".venv/bin/python scripts/cli_reference.py"


@dataclass(frozen=True)
class Entry:
    """One command or group of the tree, with the context its help is printed in."""

    path: tuple[str, ...]
    command: click.Command
    ctx: click.Context

    @property
    def name(self) -> str:
        return " ".join(self.path)


def load_cli() -> click.Group:
    """``kg.cli.cli`` from this checkout (not from whatever copy of ``kg`` is installed)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from kg.cli import cli

    return cli


def walk(
    command: click.Command, path: tuple[str, ...], parent: click.Context | None = None
) -> Iterator[Entry]:
    """Every command under ``command``, depth first, each subcommand in its group's order.

    ``resilient_parsing`` makes the contexts without running anything, as click does for shell
    completion: no missing required option is reported and no group prints its help instead.
    """
    ctx = command.make_context(
        path[-1], [], parent=parent, resilient_parsing=True, terminal_width=WIDTH
    )
    yield Entry(path, command, ctx)
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, (*path, name), ctx)


def leaves(entry: Entry, entries: list[Entry]) -> list[Entry]:
    """The commands (not groups) at or under ``entry``."""
    under = [e for e in entries if e.path[: len(entry.path)] == entry.path]
    return [e for e in under if not isinstance(e.command, click.Group)]


def option_synopsis(param: click.Parameter, ctx: click.Context, *, optional: bool) -> str:
    """``[--name|--alias METAVAR]`` for the synopsis table: every name of the option, no help."""
    if isinstance(param, click.Argument):
        return param.make_metavar(ctx)
    if not isinstance(param, click.Option):
        raise TypeError(f"unexpected parameter {param!r}")
    text = "|".join([*param.opts, *param.secondary_opts])
    if not param.is_flag:
        metavar = param.make_metavar(ctx).removesuffix(" RANGE")
        if metavar.startswith("[") and metavar.endswith("]"):  # a choice: the brackets are ours
            metavar = metavar[1:-1]
        text = f"{text} {metavar}"
    if param.multiple:
        text += " …"
    return f"[{text}]" if optional or not param.required else text


def parameters(entry: Entry) -> list[click.Parameter]:
    """The parameters a user gives: no help option, nothing hidden."""
    helps = set(entry.ctx.help_option_names)
    return [
        p
        for p in entry.command.get_params(entry.ctx)
        if not (set(p.opts) & helps) and not getattr(p, "hidden", False)
    ]


def synopsis_row(entry: Entry, entries: list[Entry]) -> str:
    """One table row: the command with every option it takes, and its one-line help.

    A group's row names its subcommands and the options of all of them (each once, in brackets:
    which are required depends on the subcommand), so that the table alone shows every option of
    the command line.
    """
    group = isinstance(entry.command, click.Group)
    words = [PROG, *entry.path[1:]]
    if group:
        words.append(
            "|".join(e.path[len(entry.path)] for e in entries if e.path[:-1] == entry.path)
        )
    pieces: dict[tuple[str, ...], str] = {}
    for leaf in leaves(entry, entries):
        for param in parameters(leaf):
            key = (*param.opts, *getattr(param, "secondary_opts", ()))
            pieces.setdefault(key, option_synopsis(param, leaf.ctx, optional=group))
    usage = " ".join([*words, *pieces.values()]).replace("|", "\\|")
    summary = entry.command.get_short_help_str(limit=1000).replace("|", "\\|")
    return f"| `{usage}` | {summary} |"


def render() -> str:
    """The whole of docs/cli.md."""
    cli = load_cli()
    entries = list(walk(cli, (PROG,)))
    lines = [
        "# The `kg` command",
        "",
        "<!-- Generated from `kg --help` by scripts/cli_reference.py: do not edit by hand. -->",
        "",
        "This page is generated from the commands' own `--help`. After changing a command, "
        "regenerate it from the repository root with",
        "",
        "```sh",
        REGENERATE,
        "```",
        "",
        "(`tests/test_docs.py` fails while it is stale). `make serve` and `make test` install "
        "`kg` in `.venv/bin/`; the pages in `docs/` write `kg` for `.venv/bin/kg`. Exit codes "
        "and the build's manifest are explained in [pipeline.md](pipeline.md).",
        "",
        "## Synopsis",
        "",
        "| command | what it does |",
        "|---|---|",
        *(synopsis_row(e, entries) for e in entries[1:] if len(e.path) == 2),
    ]
    for entry in entries:
        help_text = entry.command.get_help(entry.ctx)
        lines += ["", f"## {entry.name}", "", "```text", help_text, "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if argv == ["--check"]:
        if REFERENCE.read_text(encoding="utf-8") != text:
            print(f"{REFERENCE.relative_to(ROOT)} is stale: run {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    if argv:
        print(f"usage: {REGENERATE} [--check]", file=sys.stderr)
        return 2
    REFERENCE.write_text(text, encoding="utf-8")
    print(f"wrote {REFERENCE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
