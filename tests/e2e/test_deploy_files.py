"""deploy/ against the code: the compose file names settings the service reads, commands it
has, files that exist and secrets the example env file defines; the NATS configs load, fsync
every write, and describe one three-node cluster that the services' NATS_URL reaches, whose
users the services log in as (the process that runs the relay as the relay, the APIs and the
worker as readers).
tests/e2e/test_scale_out.py runs these configs for real, on loopback."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.cli import parser
from services.engines import PASSWORD_VARIABLES, READER, RELAY, nats_server_binary

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SETTINGS = Path(__file__).resolve().parents[2] / "services" / "settings.py"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def app_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image") == "complaints:latest"
    }


def test_the_app_services_run_real_commands_with_settings_the_code_reads(compose) -> None:
    read = set(re.findall(r'"((?:COMPLAINTS_|DATABASE_|NATS_)[A-Z_]+)"', SETTINGS.read_text()))
    services = app_services(compose)
    assert {"migrate", "worker", "relay"} <= set(services) and len(services) >= 5
    for name, service in services.items():
        command = service["command"]
        assert command[0] == "complaints", name
        parser().parse_args(command[1:])  # exits (fails the test) on an unknown command
        unknown = set(service["environment"]) - read
        assert not unknown, f"{name} sets {unknown}, which services/settings.py never reads"
        env = service["environment"]
        assert env["COMPLAINTS_STREAM_REPLICAS"] == "3", name
        if command[1] == "serve":
            assert env["COMPLAINTS_WORKERS_IN_PROCESS"] == "false", name
            assert "/ready" in " ".join(service["healthcheck"]["test"]), name


def test_nats_url_names_every_node_of_the_cluster(compose) -> None:
    nodes = sorted(n for n in compose["services"] if n.startswith("nats-"))
    assert len(nodes) == 3
    for service in app_services(compose).values():
        urls = service["environment"]["NATS_URL"].split(",")
        assert urls == [f"nats://{node}:4222" for node in nodes]
    for node in nodes:
        conf = (DEPLOY / "nats" / f"{node}.conf").read_text()
        assert f"server_name: {node}" in conf and "listen: 0.0.0.0:4222" in conf
        assert all(f"nats-route://{other}:6222" in conf for other in nodes), node
        health = " ".join(compose["services"][node]["healthcheck"]["test"])
        assert ":8222/healthz" in health and "http: 0.0.0.0:8222" in conf
        assert compose["services"][node]["image"].endswith("-alpine"), "scratch has no wget"


def test_mounted_files_exist_and_every_secret_is_in_the_example_env(compose) -> None:
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).is_file(), f"{name} mounts missing {source}"
    used = set(re.findall(r"\$\{(\w+)\}", (DEPLOY / "compose.yaml").read_text()))
    example = (DEPLOY / ".env.example").read_text()
    defined = set(re.findall(r"^(\w+)=", example, re.M))
    assert used == defined


def test_the_deploy_nats_configs_load_and_fsync_every_write() -> None:
    # the users' passwords come from the environment, as compose gives them
    env = {**os.environ, **{name: f"p-{user}" for user, name in PASSWORD_VARIABLES.items()}}
    for conf in sorted((DEPLOY / "nats").glob("*.conf")):
        checked = subprocess.run(
            [nats_server_binary(), "-c", str(conf), "-t"], capture_output=True, text=True, env=env
        )
        assert checked.returncode == 0, (conf.name, checked.stderr)
        assert re.search(r"^\s*sync_interval:\s*always\b", conf.read_text(), re.M), conf.name


def test_every_node_takes_the_bus_users_and_each_process_logs_in_as_its_kind(compose) -> None:
    for n in (1, 2, 3):
        assert "include ./users.inc" in (DEPLOY / "nats" / f"nats-{n}.conf").read_text()
        node = compose["services"][f"nats-{n}"]
        assert "./nats/users.inc:/etc/nats/users.inc:ro" in node["volumes"]
        assert set(node["environment"]) == set(PASSWORD_VARIABLES.values())
    for name, service in app_services(compose).items():
        env, command = service["environment"], service["command"][1]
        if command in ("serve", "worker"):
            # only the process that runs the relay may publish; the APIs and the views'
            # worker (--no-relay) read
            runs_relay = command == "worker" and "--no-relay" not in service["command"]
            assert runs_relay == (name == "relay"), name  # one kind of process publishes
            user = RELAY if runs_relay else READER
            assert env["COMPLAINTS_NATS_USER"] == user, name
            assert env["COMPLAINTS_NATS_PASSWORD"] == f"${{{PASSWORD_VARIABLES[user]}}}", name
