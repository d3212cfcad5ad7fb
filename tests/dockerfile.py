"""A reader of exactly the Dockerfile subset the project's ``Dockerfile`` uses, and of its
``.dockerignore``, so that the image's build and entry commands can be checked and run without a
container engine.

Instructions read: ``ARG`` (before the first ``FROM`` too, with a default), ``FROM IMAGE [AS
NAME]``, ``ENV KEY=VALUE …``, ``WORKDIR``, ``RUN`` (shell form), ``COPY [--from=STAGE] SRC… DEST``,
``USER``, ``EXPOSE``, ``HEALTHCHECK [--option=value …] CMD […]``, and ``ENTRYPOINT``/``CMD`` in
exec form (a JSON array). Lines ending in a backslash continue on the next; comment lines (``#``
first) are dropped, inside a continuation too, as Docker drops them. ``$NAME`` and ``${NAME}``
are replaced by the value of an ``ARG`` or an earlier ``ENV`` in ``FROM``, ``ENV``, ``WORKDIR``,
``COPY``, ``USER`` and ``EXPOSE``, as Docker replaces them; in ``RUN`` the shell does it. Any
other instruction, flag or form is refused (:class:`Unsupported`), so the file cannot drift
outside what is checked here.

``.dockerignore`` is read as Docker reads it: one pattern a line, ``#`` comments, ``!`` to let
back in what an earlier pattern left out, the last matching pattern deciding; ``*``, ``?`` and
``[…]`` stay within one path segment, ``**`` matches any number of them; a pattern that matches
a folder leaves out everything under it.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

INSTRUCTIONS = {
    "ARG",
    "FROM",
    "ENV",
    "WORKDIR",
    "RUN",
    "COPY",
    "USER",
    "EXPOSE",
    "HEALTHCHECK",
    "ENTRYPOINT",
    "CMD",
}
HEALTHCHECK_OPTIONS = {"interval", "timeout", "start-period", "retries"}
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


class Unsupported(ValueError):
    """A line outside the read subset."""


@dataclass(frozen=True)
class Copy:
    """One ``COPY``: from the build context, or from an earlier stage (``stage``)."""

    sources: tuple[str, ...]
    destination: str
    stage: str | None
    workdir: str
    """The ``WORKDIR`` in force, against which a relative destination is taken."""

    def target(self) -> str:
        """The destination as an absolute path in the image."""
        if self.destination.startswith("/"):
            return self.destination
        return f"{self.workdir.rstrip('/')}/{self.destination}".rstrip("/")


@dataclass(frozen=True)
class Run:
    """One ``RUN`` (shell form), with the ``WORKDIR`` it runs in."""

    command: str
    workdir: str


@dataclass(frozen=True)
class Healthcheck:
    options: dict[str, str]
    command: list[str]


@dataclass
class Stage:
    """One ``FROM`` and what follows it up to the next."""

    base: str
    name: str | None
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    runs: list[Run] = field(default_factory=list)
    copies: list[Copy] = field(default_factory=list)
    user: str | None = None
    exposed: list[str] = field(default_factory=list)
    healthcheck: Healthcheck | None = None
    entrypoint: list[str] | None = None
    cmd: list[str] | None = None


@dataclass
class Dockerfile:
    args: dict[str, str]
    """The ``ARG`` defaults declared before the first ``FROM``."""
    stages: list[Stage]

    def stage(self, name: str) -> Stage:
        [found] = [s for s in self.stages if s.name == name]
        return found

    @property
    def final(self) -> Stage:
        return self.stages[-1]


def logical_lines(text: str) -> list[str]:
    """The instructions of ``text``: continuation lines joined, comments and blanks dropped."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append((pending + stripped).strip())
        pending = ""
    if pending:
        raise Unsupported(f"the file ends in a continuation: {pending!r}")
    return lines


def substitute(text: str, values: dict[str, str]) -> str:
    """``$NAME`` and ``${NAME}`` replaced by ``values``; an unknown name is refused."""

    def value(match: re.Match[str]) -> str:
        name = match[1] or match[2]
        if name not in values:
            raise Unsupported(f"${name} is neither an ARG nor an earlier ENV")
        return values[name]

    return VARIABLE.sub(value, text)


def exec_form(text: str, keyword: str) -> list[str]:
    try:
        words = json.loads(text)
    except json.JSONDecodeError:
        raise Unsupported(f"{keyword} must be in exec form (a JSON array): {text}") from None
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise Unsupported(f"{keyword} must be a JSON array of strings: {text}")
    return words


def parse(text: str) -> Dockerfile:
    """The stages of the Dockerfile ``text``."""
    parsed = Dockerfile(args={}, stages=[])
    for line in logical_lines(text):
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword not in INSTRUCTIONS:
            raise Unsupported(f"instruction not read here: {line}")
        if keyword == "ARG":
            _arg(parsed, rest)
        elif keyword == "FROM":
            _from(parsed, rest)
        elif not parsed.stages:
            raise Unsupported(f"{keyword} before the first FROM")
        else:
            _instruction(parsed.stages[-1], keyword, rest.strip(), parsed.args)
    return parsed


def _arg(parsed: Dockerfile, rest: str) -> None:
    name, _, default = rest.strip().partition("=")
    if parsed.stages:
        raise Unsupported(f"ARG {name} inside a stage is not read here")
    parsed.args[name] = default


def _from(parsed: Dockerfile, rest: str) -> None:
    words = substitute(rest, parsed.args).split()
    if len(words) == 3 and words[1].upper() == "AS":
        parsed.stages.append(Stage(base=words[0], name=words[2]))
    elif len(words) == 1:
        parsed.stages.append(Stage(base=words[0], name=None))
    else:
        raise Unsupported(f"FROM {rest}")


def _instruction(stage: Stage, keyword: str, rest: str, args: dict[str, str]) -> None:
    values = {**args, **stage.env}
    if keyword == "ENV":
        for word in shlex.split(rest):
            name, equals, value = word.partition("=")
            if not equals:
                raise Unsupported(f"ENV in the KEY VALUE form: {rest}")
            stage.env[name] = substitute(value, {**args, **stage.env})
    elif keyword == "WORKDIR":
        path = substitute(rest, values)
        stage.workdir = path if path.startswith("/") else f"{stage.workdir.rstrip('/')}/{path}"
    elif keyword == "RUN":
        if rest.startswith("["):
            raise Unsupported(f"RUN in exec form: {rest}")
        stage.runs.append(Run(rest, stage.workdir))
    elif keyword == "COPY":
        stage.copies.append(_copy(substitute(rest, values), stage.workdir))
    elif keyword == "USER":
        stage.user = substitute(rest, values)
    elif keyword == "EXPOSE":
        stage.exposed.extend(substitute(rest, values).split())
    elif keyword == "HEALTHCHECK":
        stage.healthcheck = _healthcheck(rest)
    elif keyword == "ENTRYPOINT":
        stage.entrypoint = exec_form(rest, keyword)
    else:
        stage.cmd = exec_form(rest, keyword)


def _copy(rest: str, workdir: str) -> Copy:
    words = shlex.split(rest)
    stage = None
    while words and words[0].startswith("--"):
        flag, _, value = words.pop(0).partition("=")
        if flag != "--from":
            raise Unsupported(f"COPY {flag} is not read here")
        stage = value
    if len(words) < 2:
        raise Unsupported(f"COPY needs a source and a destination: {rest}")
    return Copy(tuple(words[:-1]), words[-1], stage, workdir)


def _healthcheck(rest: str) -> Healthcheck:
    options: dict[str, str] = {}
    while rest.startswith("--"):
        option, _, rest = rest.partition(" ")
        name, _, value = option[2:].partition("=")
        if name not in HEALTHCHECK_OPTIONS:
            raise Unsupported(f"HEALTHCHECK --{name} is not read here")
        options[name] = value
        rest = rest.strip()
    keyword, _, command = rest.partition(" ")
    if keyword != "CMD":
        raise Unsupported(f"HEALTHCHECK without CMD: {rest}")
    return Healthcheck(options, exec_form(command.strip(), "HEALTHCHECK CMD"))


# --- .dockerignore --------------------------------------------------------------------------


def _pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as a regular expression over a path relative to the context."""
    out = []
    for part in re.split(r"(\*\*/?|\*|\?|\[[^\]]+\])", pattern.strip("/")):
        if part.startswith("["):
            out.append(part)
        elif part.startswith("**"):
            out.append("(?:.*/)?" if part.endswith("/") else ".*")
        elif part == "*":
            out.append("[^/]*")
        elif part == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(part))
    return re.compile("".join(out))


def ignore_rules(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """Each pattern of a .dockerignore, in order, with whether it lets back in (``!``)."""
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        rules.append((keep, _pattern(line[1:] if keep else line)))
    return rules


def ignored(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether ``path`` (relative to the build context, ``/``-separated) is left out of it: the
    last rule that matches the path or a folder above it decides."""
    parts = Path(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for keep, pattern in rules:
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            verdict = not keep
    return verdict
