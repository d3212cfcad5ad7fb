"""``kg ask QUESTION``: one command per temporal question of ``kg.questions``, its options made
from the question's parameters, so that the CLI, the API and the pages ask the same questions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from kg.cli.errors import fail, user_errors
from kg.cli.options import Decorator, apply, store_options
from kg.pipeline.build import open_graph
from kg.questions import FORMATS, QUESTIONS, AskError, Parameter, Question, ask, render
from kg.rdf.periods import PeriodError, parse_period

FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table for reading; json (the API's answer) or csv (one row per quote).",
)


def _ask_command(question: Question) -> click.Command:
    def run(fmt: str, root: Path | None, dataset: Path | None, engine: str, **values: Any) -> None:
        for p in question.parameters:
            if p.kind in ("period", "open-period") and values.get(p.name) is not None:
                try:  # fail on a malformed period before loading the graph
                    parse_period(values[p.name], allow_open=p.kind == "open-period", name=p.name)
                except PeriodError as exc:
                    fail(str(exc))
        try:
            answer = ask(open_graph(root, dataset, engine), question.name, values)
        except AskError as exc:
            fail(str(exc))
        click.echo(render(answer, fmt), nl=False)

    command = apply(
        store_options(user_errors(run)),
        [*(_parameter_option(p) for p in question.parameters), FORMAT_OPTION],
    )
    return click.command(name=question.name, help=question.description, short_help=question.title)(
        command
    )


def _parameter_option(p: Parameter) -> Decorator:
    """The option of one of a question's parameters (``--party``, ``--from`` …)."""
    names = [f"--{p.name}", *(f"--{alias}" for alias in p.aliases)]
    if p.choices:
        return click.option(
            *names,
            p.name,
            type=click.Choice(p.choices),
            default=p.default,
            show_default=True,
            help=p.help,
        )
    return click.option(*names, p.name, required=p.required, help=p.help)


@click.group(
    name="ask",
    commands=[_ask_command(question) for question in QUESTIONS.values()],
    short_help="answer a temporal question, with the evidence of every answer",
)
def ask_group() -> None:
    """Answer a temporal question, with the evidence of every answer.

    \b
    kg ask persisted --party russia --from 2024-06 --to 2025-07 [--mode attested|in-force]
    kg ask added|dropped|re-emerged|diff --party P --from F --to T
    kg ask position --party P --at A;  kg ask conflicts --at A;  kg ask timeline --position X

    Periods are YYYY, YYYY-MM or YYYY-MM-DD (the whole year, month or day); --to may end in '..'
    for "from then on". Semantics: docs/questions.md. Exit 2 on an unknown party or position or a
    malformed period, with what is accepted.
    """


COMMANDS = (ask_group,)
