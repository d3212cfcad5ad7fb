"""``kg.settings``: one record per setting, from which the ``kg serve`` options, the app's
defaults and the service description's limits are made, and which the endpoint's page
(docs/endpoint.md, linked from README.md) documents."""

from __future__ import annotations

import re

import click
import pytest
from rdflib import Graph, URIRef

from kg import settings
from kg.rdf.namespaces import SERVICE
from server import create_app, sparql
from server.cli import serve
from tests.conftest import REPO

README = (REPO / "README.md").read_text()
SETTINGS_PAGE = (REPO / "docs" / "endpoint.md").read_text()
CLI_PAGE = (REPO / "docs" / "cli.md").read_text()
ROWS = [line for line in SETTINGS_PAGE.splitlines() if line.lstrip().startswith("|")]
ENVIRONMENT = [s.env for s in settings.SETTINGS]


def _row(env: str) -> str:
    [row] = [line for line in ROWS if f"`{env}`" in line]
    return row


@pytest.mark.parametrize("setting", settings.SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented_where_the_readme_says(setting):
    assert "(docs/endpoint.md)" in README, "README.md no longer links the settings' page"
    assert f"`{setting.env}`" in SETTINGS_PAGE, f"docs/endpoint.md does not mention {setting.env}"
    if setting.option is None:
        return
    row = _row(setting.env)  # the settings table: option, environment and default on one line
    assert f"`{setting.option} " in row or f"`{setting.option}`" in row, row
    if isinstance(setting.default, int | float):
        assert re.search(rf"\| {setting.told_default()}\b", row), (setting.default, row)
    serve = CLI_PAGE[CLI_PAGE.index("## kg serve") :]
    assert f"  {setting.option} " in serve, f"docs/cli.md: kg serve has no {setting.option}"


def test_the_serve_options_are_the_settings_with_an_option():
    generated = {p.name: p for p in serve.params if isinstance(p, click.Option)}
    for setting in settings.with_options():
        option = generated[setting.name]
        assert option.opts == [setting.option]
        assert option.default is None  # not given: the environment or the default applies
        assert f"[default: {setting.told_default()}]" in str(option.help)
    described = settings.env_list(settings.with_options())
    assert described in " ".join(str(serve.help).split())


def test_the_apps_defaults_are_the_registrys(monkeypatch, fixture_project):
    for env in ENVIRONMENT:
        monkeypatch.delenv(env, raising=False)
    app = create_app({"TESTING": True, "PTKG_ROOT": str(fixture_project)})
    try:
        for setting in settings.SETTINGS:
            if setting.default is not None and setting.name not in ("root", "workers"):
                assert app.config[setting.env] == setting.default, setting.env
        # Computed once the pool knows its size: the defaults the help tells in words.
        pool = sparql.query_pool(app)
        assert app.config["PTKG_MAX_WAITING"] == 4 * pool.size
        assert app.config["PTKG_MAX_QUERIES_PER_CLIENT"] == max(1, pool.size - 1)
    finally:
        sparql.shutdown(app)


def test_the_documented_environment_variable_sets_the_timeout(monkeypatch, fixture_project):
    monkeypatch.setenv("PTKG_QUERY_TIMEOUT", "7.5")
    monkeypatch.setenv("PTKG_MAX_ROWS", "12")
    app = create_app({"TESTING": True, "PTKG_ROOT": str(fixture_project)})
    try:
        assert app.config["PTKG_QUERY_TIMEOUT"] == 7.5
        assert sparql.query_pool(app).timeout == 7.5
        assert app.config["PTKG_MAX_ROWS"] == 12
        described = Graph().parse(
            data=app.test_client()
            .get("/sparql", headers={"Accept": "application/n-triples"})
            .get_data(as_text=True),
            format="nt",
        )
        service = URIRef("http://localhost/sparql#service")
        assert described.value(service, SERVICE.queryTimeout).toPython() == 7.5
    finally:
        sparql.shutdown(app)
    # The config passed in (as kg serve passes its options) wins over the environment.
    app = create_app(
        {"TESTING": True, "PTKG_ROOT": str(fixture_project), "PTKG_QUERY_TIMEOUT": "3"}
    )
    try:
        assert app.config["PTKG_QUERY_TIMEOUT"] == 3.0
    finally:
        sparql.shutdown(app)


def test_the_service_description_states_every_described_setting(client, app):
    text = client.get("/sparql", headers={"Accept": "application/n-triples"}).get_data(as_text=True)
    graph = Graph().parse(data=text, format="nt")
    service = URIRef("http://localhost/sparql#service")
    for setting in settings.described():
        prop = SERVICE[str(setting.described_as)]
        assert graph.value(service, prop).toPython() == app.config[setting.env], setting.name
        assert graph.value(prop, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"))


def test_one_timeout_one_default():
    [timeout] = [s for s in settings.SETTINGS if "TIMEOUT" in s.env]
    assert (timeout.option, timeout.env, timeout.described_as) == (
        "--timeout",
        "PTKG_QUERY_TIMEOUT",
        "queryTimeout",
    )
    assert timeout.default == 30.0 and timeout.told_default() == "30"


def test_a_bad_trusted_proxy_is_a_usage_error(runner):
    from kg.cli import cli

    result = runner.invoke(cli, ["serve", "--trusted-proxy", "not-an-address", "--get", "/"])
    assert result.exit_code == 2
    assert "Invalid value for '--trusted-proxy'" in result.output
