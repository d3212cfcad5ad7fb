"""The container image (``Dockerfile``, ``.dockerignore``) and ``compose.yaml``, checked without a
container engine: none is needed to run the tests, and none is used.

The Dockerfile is read with ``tests/dockerfile.py`` and held to what docs/hosting.md promises:
two stages, the runtime's user unprivileged, nothing but the package and the curated graph in the
build context. Then its commands are run here, as they run in the image, with the image's paths
mapped onto this machine (the image's virtual environment is this interpreter running this
checkout, the image's project folder a temporary one): the build stage's ``COPY`` of the curated
graph and its ``kg build`` (about 5 s), then the ``ENTRYPOINT`` and ``CMD`` as a real process with
the ``ENV`` the image sets. Only the address is changed: ``--host 0.0.0.0`` becomes 127.0.0.1 and
the port a free one (here nothing but the loopback interface may be listened on, and another
test may hold 8080), in the command and in the ``HEALTHCHECK``, which is run as written until it
passes. What this cannot check is the image itself: the base image's contents, pip installing
the package into it, the copy between stages.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import click
import jsonschema
import pytest
import yaml

import kg
from kg import settings
from kg.cli import cli
from kg.pipeline.build import ARTEFACT
from kg.pipeline.manifest import read_manifest
from tests.conftest import REPO, free_port, stop
from tests.dockerfile import Dockerfile, Stage, ignore_rules, ignored, parse

DOCKERFILE = parse((REPO / "Dockerfile").read_text(encoding="utf-8"))
IGNORE = ignore_rules((REPO / ".dockerignore").read_text(encoding="utf-8"))
COMPOSE = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
SERVICES: dict = COMPOSE["services"]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))

RUNTIME = DOCKERFILE.final
BUILD = DOCKERFILE.stage("build")
KG = PurePosixPath(RUNTIME.entrypoint[0]) if RUNTIME.entrypoint else PurePosixPath("/")
VENV = KG.parents[1]
"""The image's virtual environment: the folder of the entry point's ``bin/``."""
PROJECT = PurePosixPath(RUNTIME.workdir)
"""The image's project folder (ontology/, shapes/, data/ and the build)."""
EXPOSED = RUNTIME.exposed[0] if RUNTIME.exposed else ""
SETTING_NAMES = {setting.env for setting in settings.SETTINGS}
KINDS = ("ontology", "shapes", "data")


# --- the image's paths on this machine --------------------------------------------------------


def on_host(words: list[str], project: Path) -> list[str]:
    """An exec-form command of the image as this machine runs it: the image's ``kg`` and
    ``python`` are this interpreter (running this checkout), its project folder ``project``."""
    programs = {str(VENV / "bin" / "kg"): [sys.executable, "-m", "kg"]}
    programs[str(VENV / "bin" / "python")] = [sys.executable]
    assert words[0] in programs, f"{words[0]} is not a program of the image's environment"
    mapped = programs[words[0]] + [_mapped(word, project) for word in words[1:]]
    assert not any(str(VENV) in word for word in mapped), mapped
    return mapped


def _mapped(text: str, project: Path) -> str:
    return re.sub(rf"{re.escape(str(PROJECT))}(?![\w.-])", str(project), text)


def environment(stage: Stage, project: Path) -> dict[str, str]:
    """This process's environment without its own settings (no PTKG_SEEDS: the image has no
    source texts), with the stage's ``ENV``, and the checkout importable as the image's
    environment has the package installed."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("PTKG_")}
    image = {name: _mapped(value, project) for name, value in stage.env.items()}
    return {**base, **image, "PYTHONPATH": str(REPO)}


def on_loopback(words: list[str], port: int) -> list[str]:
    """The entry command listening on 127.0.0.1:``port`` instead of every interface's
    ``EXPOSE``d port; nothing else changes."""
    words = list(words)
    for option, image_value, here in (
        ("--host", "0.0.0.0", "127.0.0.1"),
        ("--port", EXPOSED, port),
    ):
        assert words.count(option) == 1, f"the entry command sets {option} once"
        at = words.index(option) + 1
        assert words[at] == image_value, f"{option} {words[at]}, not {image_value}"
        words[at] = str(here)
    return words


def healthcheck_on(port: int, project: Path) -> list[str]:
    """The ``HEALTHCHECK`` command, asking ``port`` instead of the ``EXPOSE``d one."""
    assert RUNTIME.healthcheck is not None
    command = on_host(RUNTIME.healthcheck.command, project)
    text = " ".join(command)
    assert text.count(f"127.0.0.1:{EXPOSED}/") == 1, text
    return [word.replace(f"127.0.0.1:{EXPOSED}/", f"127.0.0.1:{port}/") for word in command]


# --- the Dockerfile --------------------------------------------------------------------------


def test_the_image_is_built_in_one_stage_and_run_from_another():
    assert len(DOCKERFILE.stages) >= 2
    assert RUNTIME is not BUILD
    # the environment copied from the build stage links to the base image's interpreter
    assert RUNTIME.base == BUILD.base
    from_build = {(c.sources, c.target()) for c in RUNTIME.copies if c.stage == "build"}
    assert from_build == {((str(VENV),), str(VENV)), ((str(PROJECT),), str(PROJECT))}
    assert not [c for c in RUNTIME.copies if c.stage is None], "the runtime takes no context"


def test_the_base_image_is_the_python_the_project_is_tested_with():
    name, _, tag = BUILD.base.partition(":")
    assert name == "python" and tag and tag != "latest", BUILD.base
    version = re.match(r"(\d+\.\d+)-slim-", tag)
    assert version, tag
    assert version[1] == PYPROJECT["tool"]["mypy"]["python_version"]
    assert PYPROJECT["project"]["requires-python"] == f">={version[1]}"


def test_the_runtime_runs_as_an_unprivileged_user():
    assert RUNTIME.user is not None
    uid, _, gid = RUNTIME.user.partition(":")
    assert uid.isdigit() and int(uid) != 0, "a numeric uid, which a runtime can check is not 0"
    assert gid.isdigit() and int(gid) != 0
    assert f"--uid {uid}" in " ".join(run.command for run in RUNTIME.runs)


def test_only_the_package_and_the_curated_graph_enter_the_build():
    copies = [copy for stage in DOCKERFILE.stages for copy in stage.copies]
    sources = [source for copy in copies if copy.stage is None for source in copy.sources]
    assert sources
    for source in sources:
        path = PurePosixPath(source)
        assert not path.is_absolute() and ".." not in path.parts and str(path) != ".", source
        assert (REPO / path).exists(), f"COPY {source}: not in the checkout"
        assert not ignored(str(path), IGNORE), f"COPY {source}: left out by .dockerignore"
        assert not {".git", ".venv", "build", "releases", "seeds"} & set(path.parts), source
    for kind in KINDS:
        assert f"{kind}/" in sources


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/bin/python",
        "build/ptkg.nq",
        "releases/0.1.0/ptkg.nq",
        "kg/__pycache__/cli.cpython-311.pyc",
        ".pytest_cache/README.md",
        "tests/test_container.py",
        "virtuoso.env",
    ],
)
def test_dockerignore_leaves_out(path):
    assert ignored(path, IGNORE)


def test_no_source_texts_are_asked_for():
    # kg build reads no source texts: no setting or argument names the corpus folder
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "PTKG_SEEDS" not in text and "PTKG_SOURCES" not in text and "--sources" not in text
    for stage in DOCKERFILE.stages:
        assert {n for n in stage.env if n.startswith("PTKG_")} <= SETTING_NAMES, stage.env


def test_the_build_stage_copies_the_curated_graph_then_builds_it():
    [build_run] = [run for run in BUILD.runs if " build" in run.command and "/kg " in run.command]
    words = shlex.split(build_run.command.split("&&")[0])
    assert words[:2] == [str(VENV / "bin" / "kg"), "build"]
    assert words[words.index("--root") + 1] == str(PROJECT)
    into_project = {c.target() for c in BUILD.copies if c.target().startswith(str(PROJECT))}
    assert into_project == {str(PROJECT / kind) for kind in KINDS}
    assert f"{VENV}/bin/pip install ." in [run.command for run in BUILD.runs]


def test_the_entry_command_serves_the_build_read_only():
    assert RUNTIME.entrypoint == [str(KG)]
    command = RUNTIME.cmd or []
    assert command[0] == "serve"
    # the build itself, so that the server never builds: it opens the on-disk store read-only
    assert command[command.index("--dataset") + 1] == str(PROJECT / ARTEFACT)
    assert command[command.index("--port") + 1] == EXPOSED
    assert RUNTIME.env["PTKG_ROOT"] == str(PROJECT)


# --- the build and entry commands, run -------------------------------------------------------


@pytest.fixture(scope="module")
def image_project(tmp_path_factory) -> Path:
    """The image's project folder as the build stage leaves it: its ``COPY``s into the folder
    done from the checkout, then its ``RUN … kg build …`` run as written, paths mapped."""
    project = tmp_path_factory.mktemp("image") / "srv-ptkg"
    for copy in BUILD.copies:
        if copy.target().startswith(str(PROJECT)):
            [source] = copy.sources
            shutil.copytree(REPO / source, _mapped(copy.target(), project))
    [run] = [r for r in BUILD.runs if f"{KG} build" in r.command]
    command = _mapped(run.command, project).replace(
        str(KG), shlex.join([sys.executable, "-m", "kg"])
    )
    assert str(PROJECT) not in command and str(VENV) not in command, command
    done = subprocess.run(
        ["sh", "-c", command],
        cwd=_mapped(run.workdir, project),
        env=environment(BUILD, project),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return project


def test_the_build_stage_writes_the_build_and_its_store(image_project: Path):
    build = image_project / "build"
    manifest = read_manifest(image_project / ARTEFACT)
    assert manifest is not None and manifest.quads > 10_000
    assert (build / "ptkg.oxigraph").is_dir() and (build / "ptkg.index.nq").is_file()
    assert not (build / "cache").exists(), "the build cache is not shipped"


@pytest.fixture(scope="module")
def container(image_project: Path, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """The image's entry command, run; yields its base URL once its HEALTHCHECK passes, and the
    file that holds what it wrote."""
    port = free_port()
    command = on_host(on_loopback([*RUNTIME.entrypoint, *RUNTIME.cmd], port), image_project)
    log = tmp_path_factory.mktemp("container") / "output.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            cwd=_mapped(RUNTIME.workdir, image_project),
            env=environment(RUNTIME, image_project),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(process, healthcheck_on(port, image_project), image_project, log)
        yield f"http://127.0.0.1:{port}", log
    finally:
        stop(process)


def _wait_healthy(
    process: subprocess.Popen, check: list[str], project: Path, log: Path, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    env = environment(RUNTIME, project)
    while True:
        if process.poll() is not None:
            pytest.fail(f"the entry command exited with {process.returncode}:\n{log.read_text()}")
        done = subprocess.run(check, env=env, capture_output=True, text=True, timeout=30)
        if done.returncode == 0:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the HEALTHCHECK did not pass in {timeout} s:\n{done.stderr}")
        time.sleep(0.5)


def _get(url: str, accept: str = "*/*") -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(request, timeout=30) as response:
        return response.status, response.headers["Content-Type"], response.read()


@pytest.mark.slow
def test_the_entry_command_serves_the_pages_the_endpoint_and_health(container, image_project):
    base, log = container
    status, kind, _ = _get(base + "/")
    assert status == 200 and kind.startswith("text/html")
    query = urllib.parse.quote("ASK{}")
    status, kind, body = _get(f"{base}/sparql?query={query}", "application/sparql-results+json")
    assert status == 200 and json.loads(body)["boolean"] is True
    status, _, body = _get(base + "/health")
    health = json.loads(body)
    manifest = read_manifest(image_project / ARTEFACT)
    assert manifest is not None
    assert health["ok"] is True and health["version"] == kg.__version__
    assert health["build"] == {"sha256": manifest.sha256, "triples": manifest.quads}
    assert health["build"]["triples"] > 0
    assert health["workers"]["configured"] == int(RUNTIME.env["PTKG_QUERY_WORKERS"])
    # PTKG_ACCESS_LOG=- : a line per request on stderr, the container's log
    assert re.search(r" GET /health 200 \d+ ", log.read_text()), log.read_text()


# --- compose.yaml ----------------------------------------------------------------------------


def ours(name: str) -> bool:
    """Whether the service runs this project's image (built from the checkout)."""
    return "build" in SERVICES[name]


def test_compose_follows_the_compose_specification():
    # YAML merge keys (<<: *app) are resolved by the reader, as docker compose resolves them
    schema = json.loads((REPO / "tests/fixtures/compose/compose-spec.json").read_text())
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(COMPOSE)
    ]
    assert errors == []
    assert re.fullmatch(r"on-failure:\d+", SERVICES["push"]["restart"])  # spec: [:max-retries]


def test_compose_has_the_app_and_the_virtuoso_profile():
    assert set(SERVICES) == {"app", "virtuoso", "push", "app-virtuoso"}
    assert "profiles" not in SERVICES["app"]
    for name in ("virtuoso", "push", "app-virtuoso"):
        assert SERVICES[name]["profiles"] == ["virtuoso"], name
    image = SERVICES["virtuoso"]["image"]
    assert re.fullmatch(r"openlink/virtuoso-opensource-7:\d+\.\d+\.\d+", image), image


def test_compose_builds_this_dockerfile_and_keeps_its_user_and_health_check():
    assert RUNTIME.healthcheck is not None
    for name in filter(ours, SERVICES):
        service = SERVICES[name]
        assert (REPO / service["build"] / "Dockerfile").is_file()
        assert service["image"] == SERVICES["app"]["image"]
        assert service["user"] == RUNTIME.user, name
        assert service["read_only"] is True and "/tmp" in service["tmpfs"], name
        if "healthcheck" in service:
            check = service["healthcheck"]
            assert check["test"] == ["CMD", *RUNTIME.healthcheck.command], name
            options = RUNTIME.healthcheck.options
            assert check["interval"] == options["interval"], name
            assert check["start_period"] == options["start-period"], name
            assert check["retries"] == int(options["retries"]), name


def test_compose_publishes_ports_on_the_loopback_interface_only():
    published = []
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            host, _, container_port = str(port).rpartition(":")
            assert host.startswith("127.0.0.1:"), f"{name} publishes {port} beyond this host"
            published.append((name, container_port))
    assert ("app", EXPOSED) in published and ("app-virtuoso", EXPOSED) in published


def test_compose_trusts_the_gateway_nginx_comes_from():
    [network] = COMPOSE["networks"]["default"]["ipam"]["config"]
    gateway = ipaddress.ip_address(network["gateway"])
    assert gateway in ipaddress.ip_network(network["subnet"])
    for name in ("app", "app-virtuoso"):
        environment = SERVICES[name]["environment"]
        assert set(environment) <= SETTING_NAMES, name
        assert environment["PTKG_TRUSTED_PROXY"] == str(gateway)


def test_compose_keeps_the_virtuoso_password_out_of_the_repository():
    for name in ("virtuoso", "push"):
        assert SERVICES[name]["env_file"] == "virtuoso.env"
        assert "environment" not in SERVICES[name]
    assert "virtuoso.env" in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()


def _kg_command(words: list[str], project: Path) -> click.Context:
    """The ``kg`` command ``words`` parsed as ``kg`` parses it (image paths mapped, so that the
    options that want an existing file find it): raises on a command or option it lacks."""
    words = [_mapped(word, project) for word in words]
    command = cli.get_command(click.Context(cli), words[0])
    assert command is not None, f"kg has no command {words[0]}"
    return command.make_context(words[0], words[1:])


def test_compose_commands_are_kg_commands_on_its_services(image_project):
    for name in filter(ours, SERVICES):
        service = SERVICES[name]
        words = service.get("command", RUNTIME.cmd)
        context = _kg_command(words, image_project)
        hosts = {
            urllib.parse.urlsplit(str(value).removeprefix("sparql+")).hostname
            for value in context.params.values()
            if isinstance(value, str) and "://" in value
        }
        assert hosts <= set(SERVICES), f"{name} names {hosts - set(SERVICES)}"
        if words[0] == "serve":
            assert words[words.index("--port") + 1] == EXPOSED
    push = _kg_command(SERVICES["push"]["command"], image_project)
    assert push.params["gsp"].endswith("/sparql-graph-crud-auth")
    assert push.params["dataset"] == image_project / ARTEFACT
    assert SERVICES["app-virtuoso"]["command"][-2:] == [
        "--store",
        "sparql+http://virtuoso:8890/sparql",
    ]


def test_the_dockerfile_reader_refuses_what_it_does_not_read():
    from tests.dockerfile import Unsupported

    for text in (
        "FROM a\nADD x /x\n",
        "FROM a\nCMD kg serve\n",
        "FROM a\nCOPY --chown=1:1 x /x\n",
        "FROM a\nENV A B\n",
        "FROM a\nRUN echo $UNSET_ELSEWHERE && \\\n",
        "FROM a\nUSER $NOBODY\n",
    ):
        with pytest.raises(Unsupported):
            parse(text)
    two = parse("ARG B=b:1\nFROM ${B} AS x\nENV P=/p\nWORKDIR $P\nFROM x\nUSER 1\n")
    assert isinstance(two, Dockerfile)
    assert [s.base for s in two.stages] == ["b:1", "x"] and two.stages[0].workdir == "/p"


# --- docs/hosting.md ---------------------------------------------------------------------------

HOSTING = (REPO / "docs" / "hosting.md").read_text(encoding="utf-8")
RUN_FLAGS = {"-d", "--rm", "--read-only"}
RUN_OPTIONS = {"--name", "--tmpfs", "-p", "--env"}


def docker_commands() -> list[list[str]]:
    """Every ``docker`` command of the section "In a container": its shell lines and its inline
    code."""
    section = HOSTING.split("## In a container\n", 1)[1].split("\n## ", 1)[0]
    lines = [
        line
        for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S)
        for line in block.splitlines()
    ]
    lines += re.findall(r"`(docker [^`]+)`", re.sub(r"```.*?```", "", section, flags=re.S))
    commands = [shlex.split(line) for line in lines if line.startswith("docker ")]
    return [words for words in commands if len(words) > 2]  # not a bare "`docker run`"


def _docker_run(words: list[str], built: set[str], project: Path) -> None:
    at = 2
    while words[at].startswith("-"):
        option = words[at]
        assert option in RUN_FLAGS | RUN_OPTIONS, f"docker run {option}: not checked here"
        if option in RUN_OPTIONS:
            value = words[at + 1]
            if option == "-p":
                assert value == f"127.0.0.1:{EXPOSED}:{EXPOSED}", value
            if option == "--env":
                name, _, setting = value.partition("=")
                assert name in SETTING_NAMES, name
                check = next(s.check for s in settings.SETTINGS if s.env == name)
                if check is not None:
                    check(setting)
            at += 1
        at += 1
    assert words[at] in built, f"docker run {words[at]}: no docker build above makes it"
    if words[at + 1 :]:
        _kg_command(words[at + 1 :], project)


def test_the_docker_commands_of_the_docs_use_what_the_repository_has(image_project):
    commands = docker_commands()
    built = {w[w.index("-t") + 1] for w in commands if w[1] == "build"}
    assert SERVICES["app"]["image"] in built
    profiles = {p for service in SERVICES.values() for p in service.get("profiles", [])}
    for words in commands:
        if words[1] == "build":
            assert words[-1] == "." and "-t" in words
            for arg in [words[i + 1] for i, w in enumerate(words) if w == "--build-arg"]:
                assert arg.partition("=")[0] in DOCKERFILE.args, arg
        elif words[1] == "run":
            _docker_run(words, built, image_project)
        elif words[1] == "compose":
            if "--profile" in words:
                assert words[words.index("--profile") + 1] in profiles
            named = {"logs": 1, "run": 2}
            for verb, skip in named.items():
                if verb in words and len(words) > words.index(verb) + skip:
                    assert words[words.index(verb) + skip] in SERVICES, words
    assert sum(w[1] == "run" for w in commands) >= 2
