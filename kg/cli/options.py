"""The options several commands share, as decorators (``@store_options`` and the like), so that
each is spelled, checked and explained in one place; ``setting_options`` turns the records of
``kg.settings`` into options."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from kg.pipeline.validate import INFERENCE_CHOICES
from kg.settings import Setting
from kg.sources.corpus import SEEDS_ENV, SOURCES_ENV
from kg.store import DEFAULT_ENGINE, ENGINES, REMOTE_SCHEMES, is_remote

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def apply(command: Callable[..., Any], options: Iterable[Decorator]) -> Callable[..., Any]:
    """``command`` with ``options``, which ``--help`` then lists in the order given."""
    for option in reversed(list(options)):
        command = option(command)
    return command


def root_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Project folder with ontology/, shapes/, data/ (default: the working directory or a "
        "parent of it, or $PTKG_ROOT).",
    )(command)


def sources_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--sources DIR``: the corpus folder of the source texts (``kg.sources.corpus``)."""
    return click.option(
        "--sources",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=f"The corpus folder holding the source texts (default: ${SOURCES_ENV}, else "
        f"${SEEDS_ENV}; none when neither is set).",
    )(command)


def inference_option(default: str) -> Decorator:
    return click.option(
        "--inference",
        type=click.Choice(INFERENCE_CHOICES),
        default=default,
        show_default=True,
        help="Entailment regime (pySHACL's vocabulary): none, rdfs, owlrl (OWL 2 RL) or both.",
    )


class StoreParam(click.ParamType):
    """An embedded engine's name, or a remote SPARQL store as ``sparql+http(s)://…``."""

    name = "store"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if text in ENGINES:
            return text
        if is_remote(text):
            from kg.store import SparqlHttpStore

            try:
                SparqlHttpStore(text)
            except ValueError as exc:
                self.fail(str(exc), param, ctx)
            return text
        self.fail(
            f"{text!r} is neither {' nor '.join(ENGINES)} nor a remote store URL "
            f"({REMOTE_SCHEMES[0]}HOST:PORT/PATH or {REMOTE_SCHEMES[1]}…)",
            param,
            ctx,
        )

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return f"[{'|'.join(ENGINES)}|sparql+http://HOST:PORT/PATH]"


def store_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--store``, ``--dataset`` and ``--root``: what the commands that query the graph open."""
    command = click.option(
        "--store",
        "engine",
        type=StoreParam(),
        default=DEFAULT_ENGINE,
        show_default=True,
        help="Query engine: Oxigraph (fast, the default; the build's on-disk store, opened "
        "read-only), oxigraph-memory (Oxigraph, the build loaded into memory by each process), "
        "rdflib's memory store, or a remote SPARQL 1.1 endpoint given as "
        "sparql+http(s)://[USER:PASSWORD@]HOST:PORT/PATH[?PARAMS] (nothing is loaded locally; "
        "--dataset is then ignored).",
    )(command)
    command = click.option(
        "--dataset",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        help="Use this RDF file (N-Quads, TriG, Turtle, N-Triples, JSON-LD, RDF/XML) instead of "
        "the project's build.",
    )(command)
    return root_option(command)


def source_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--dataset`` and ``--root``: the quads the publishing commands take."""
    command = click.option(
        "--dataset",
        type=click.Path(dir_okay=False, exists=True, path_type=Path),
        default=None,
        help="Take this RDF file (N-Quads, TriG, …) instead of the project's build.",
    )(command)
    return root_option(command)


def setting_options(settings: Iterable[Setting]) -> Decorator:
    """An option for each of ``settings``, passed to the command under the setting's name. Each
    defaults to None, "not given", so that the app then takes the environment's value or the
    setting's default: the default is told in the help, not applied here."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        return apply(command, [_setting_option(setting) for setting in settings])

    return decorate


def _setting_option(setting: Setting) -> Decorator:
    assert setting.option is not None, setting.name
    return click.option(
        setting.option,
        setting.name,
        type=_click_type(setting),
        default=None,
        metavar=setting.metavar,
        callback=_checked(setting) if setting.check else None,
        help=setting.help(),
    )


def _click_type(setting: Setting) -> click.ParamType:
    if setting.kind is float:
        return click.FloatRange(min=setting.minimum, min_open=setting.min_open)
    if setting.kind is int:
        return click.IntRange(min=None if setting.minimum is None else int(setting.minimum))
    return click.STRING


def _checked(setting: Setting) -> Callable[[click.Context, click.Parameter, Any], Any]:
    """A callback refusing, as a usage error, a value the app would refuse later."""

    def callback(_ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None and setting.check is not None:
            try:
                setting.check(value)
            except ValueError as exc:
                raise click.BadParameter(str(exc)) from None
        return value

    return callback
