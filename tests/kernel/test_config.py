"""Settings in layers: defaults, then workos.toml, then WORKOS_* environment variables."""

from pathlib import Path

import pytest

from workos.settings.config import BUNDLED_ADDONS, ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "workos.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file_use_sqlite_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    config = load_config(environ={})

    assert config.source is None
    assert config.database_url == f"sqlite:///{tmp_path / 'var' / 'workos.sqlite3'}"
    assert config.get("server", "port") == 8069
    assert config.get("deploy", "min_installed") == 11
    assert config.addons_path[-1] == BUNDLED_ADDONS


def test_relative_paths_in_a_file_are_relative_to_that_file(tmp_path):
    path = write(tmp_path, '[server]\ndata_dir = "state"\n[database]\nurl = "sqlite:///db/site.sqlite3"\n[addons]\npath = ["custom"]\n')

    config = load_config(path, environ={})

    assert config.data_dir == tmp_path / "state"
    assert config.database_url == f"sqlite:///{tmp_path / 'db' / 'site.sqlite3'}"
    assert config.addons_path[0] == tmp_path / "custom"


def test_environment_overrides_the_file_with_contract_and_generic_names(tmp_path):
    path = write(tmp_path, '[server]\nport = 9000\n[deploy]\nbranch = "main"\n')

    config = load_config(path, environ={"WORKOS_HTTP_PORT": "9100", "WORKOS_DEPLOY_BRANCH": "release", "WORKOS_ADDONS_PATH": "/a,/b", "WORKOS_DB_URL": "postgresql://u:p@db:5432/workos"})

    assert config.get("server", "port") == 9100
    assert config.get("deploy", "branch") == "release"
    assert config.addons_path[:2] == [Path("/a"), Path("/b")]
    assert config.database_url == "postgresql://u:p@db:5432/workos"


def test_config_file_is_found_through_the_environment(tmp_path):
    path = write(tmp_path, '[deploy]\nenvironment = "staging"\n')

    config = load_config(environ={"WORKOS_CONFIG": str(path)})

    assert config.source == path
    assert config.get("deploy", "environment") == "staging"


@pytest.mark.parametrize(
    "text, message",
    [
        ('[server]\nport = "eighty"\n', "[server] port: expected an integer, got 'eighty'"),
        ("[server]\nport = 70000\n", "[server] port: expected an integer from 1 to 65535, got 70000"),
        ('[database]\nurl = "mysql://x"\n', "[database] url: expected sqlite:///PATH or postgresql://"),
        ('[deploy]\nservice = "kubernetes"\n', "[deploy] service: expected one of process, systemd, compose"),
        ("[servre]\nport = 1\n", "unknown section [servre]"),
        ("[server]\nprot = 1\n", "unknown setting [server] prot"),
        ("[server\n", "not valid TOML"),
    ],
)
def test_invalid_settings_are_refused_naming_the_setting_and_the_file(tmp_path, text, message):
    path = write(tmp_path, text)

    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})

    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_invalid_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="environment variable WORKOS_HTTP_PORT: \\[server\\] port"):
        load_config(environ={"WORKOS_HTTP_PORT": "abc"})


def test_missing_config_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", environ={})


def test_cli_reports_a_bad_setting_with_exit_code_2(site):
    site.config_file.write_text(site.config_file.read_text().replace("port = 8069", "port = -1"))

    result = site.workos("module", "list")

    assert result.returncode == 2
    assert f"{site.config_file}: [server] port: expected an integer from 1 to 65535, got -1" in result.stderr
    assert "Traceback" not in result.stderr


def test_requests_in_flight_default_by_database_and_a_set_value_wins(tmp_path):
    postgresql = '[database]\nurl = "postgresql://workos@127.0.0.1:5432/workos"\n'
    sqlite = '[database]\nurl = "sqlite:///x.sqlite3"\n'
    assert load_config(write(tmp_path, postgresql), environ={}).requests_in_flight == 8
    assert load_config(write(tmp_path, sqlite), environ={}).requests_in_flight == 4  # its writers take turns
    assert load_config(write(tmp_path, sqlite + "[server]\nrequests_in_flight = 12\n"), environ={}).requests_in_flight == 12
    assert load_config(write(tmp_path, postgresql + "[server]\nrequests_in_flight = 3\n"), environ={}).requests_in_flight == 3


def test_server_processes_on_postgresql_pool_their_connections_and_commands_do_not(tmp_path):
    from workos.settings.database import default_database

    postgresql = '[database]\nurl = "postgresql://workos@127.0.0.1:5432/workos"\n'
    default = load_config(write(tmp_path, postgresql), environ={})
    assert default_database(default, serving=True)["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 12, "timeout": 3}  # requests_in_flight + 4
    assert "pool" not in default_database(default, serving=False).get("OPTIONS", {})  # commands: deploy, backup ...
    sized = load_config(write(tmp_path, postgresql + "pool_max_size = 5\n[server]\nrequests_in_flight = 20\n"), environ={})
    assert default_database(sized, serving=True)["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 5, "timeout": 3}
    in_flight = load_config(write(tmp_path, postgresql + "[server]\nrequests_in_flight = 1\n"), environ={})
    assert default_database(in_flight, serving=True)["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 5, "timeout": 3}
    off = load_config(write(tmp_path, postgresql), environ={"WORKOS_DATABASE_POOL": "false"})
    assert "pool" not in default_database(off, serving=True).get("OPTIONS", {})
    kept = default_database(load_config(write(tmp_path, postgresql + "conn_max_age = 60\n"), environ={}), serving=True)
    assert "pool" not in kept.get("OPTIONS", {}) and kept["CONN_MAX_AGE"] == 60  # kept connections instead
    sqlite = default_database(load_config(write(tmp_path, '[database]\nurl = "sqlite:///x.sqlite3"\npool = true\n'), environ={}), serving=True)
    assert "pool" not in sqlite["OPTIONS"]
