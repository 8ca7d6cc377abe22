"""docker-compose.yml, Dockerfile and .env.example: valid, complete and consistent with the code.

There is no Docker engine here: the compose file is validated against the Compose Specification
JSON schema (the copy check-jsonschema ships) and checked for what it must contain. Building the
image and running the stack are not verified by this test.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from services.cli import main as cli
from services.fetcher.sources import load_sources
from services.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ROLES = ("api", "worker", "fetcher")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    """docker-compose.yml as Compose sees it (YAML anchors and merge keys resolved)."""
    data = YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _schema() -> dict[str, Any]:
    text = (
        resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    schema = json.loads(text)
    assert "compose" in schema.get("title", "").lower() or "compose" in schema.get("$id", "")
    return schema


def test_compose_file_is_valid_under_the_compose_specification_schema(compose: dict[str, Any]) -> None:
    schema = _schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator_class(schema).iter_errors(compose)]
    assert errors == []


def test_schema_check_rejects_a_compose_file_with_an_unknown_service_key(compose: dict[str, Any]) -> None:
    # Guards the check itself: a typo in a service key must fail validation.
    broken = json.loads(json.dumps(compose))
    broken["services"]["worker"]["helthcheck"] = broken["services"]["worker"].pop("healthcheck")
    schema = _schema()
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(broken))


def test_compose_has_redis_with_aof_noeviction_a_volume_and_a_ping_healthcheck(
    compose: dict[str, Any],
) -> None:
    redis = compose["services"]["redis"]
    command = " ".join(redis["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command
    [volume] = redis["volumes"]
    name, target = volume.split(":")[:2]
    assert target == "/data"
    assert name in compose["volumes"]
    assert redis["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


@pytest.mark.parametrize("role", [*ROLES, "flower"])
def test_compose_roles_wait_for_a_healthy_redis_and_have_a_healthcheck(
    compose: dict[str, Any], role: str
) -> None:
    service = compose["services"][role]
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert service["healthcheck"]["test"][0] == "CMD"
    assert service["build"] == "."  # one image for every role


@pytest.mark.parametrize("role", ROLES)
def test_compose_roles_run_existing_newswire_commands(compose: dict[str, Any], role: str) -> None:
    command = compose["services"][role]["command"]
    assert command[:2] == ["newswire", role]
    assert role in cli.commands


def test_compose_healthchecks_probe_the_ports_the_roles_listen_on(compose: dict[str, Any]) -> None:
    services = compose["services"]
    api, worker, fetcher = (services[role] for role in ROLES)
    assert "--port" in api["command"]
    assert (
        f"127.0.0.1:{api['command'][api['command'].index('--port') + 1]}/healthz"
        in api["healthcheck"]["test"][-1]
    )
    worker_port = worker["command"][worker["command"].index("--metrics-port") + 1]
    assert f"127.0.0.1:{worker_port}/metrics" in worker["healthcheck"]["test"][-1]
    fetch_port = fetcher["environment"]["NEWSWIRE_FETCH_METRICS_PORT"]
    assert f"127.0.0.1:{fetch_port}/metrics" in fetcher["healthcheck"]["test"][-1]
    assert "/healthcheck" in services["flower"]["healthcheck"]["test"][-1]


def test_compose_worker_can_be_scaled(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker  # a fixed host port would clash between replicas
    assert worker["stop_grace_period"]  # warm shutdown needs time to finish the running task


def test_compose_flower_is_behind_a_profile_and_uses_the_lazy_celery_app(compose: dict[str, Any]) -> None:
    flower = compose["services"]["flower"]
    assert flower["profiles"] == ["flower"]
    assert flower["command"][:4] == ["celery", "-A", "workers.app", "flower"]
    import workers.app

    assert workers.app.app.main == "newswire"  # what `celery -A workers.app` looks up


def test_compose_fetcher_mounts_a_sources_file_whose_inbox_is_the_mounted_folder(
    compose: dict[str, Any],
) -> None:
    fetcher = compose["services"]["fetcher"]
    mounts = dict(volume.split(":")[:2] for volume in fetcher["volumes"])
    sources_target = fetcher["environment"]["NEWSWIRE_SOURCES"]
    [sources_host] = [host for host, target in mounts.items() if target == sources_target]
    sources = load_sources(ROOT / sources_host)
    [inbox] = sources.inboxes
    [inbox_host] = [host for host, target in mounts.items() if target == str(inbox.path)]
    assert (ROOT / inbox_host).is_dir()


def test_compose_samples_service_ingests_the_bundled_samples_after_the_worker_is_healthy(
    compose: dict[str, Any],
) -> None:
    samples = compose["services"]["samples"]
    assert samples["restart"] == "no"
    assert samples["depends_on"]["worker"]["condition"] == "service_healthy"
    [pattern] = re.findall(r"/app/(\S+\.txt)", " ".join(samples["command"]))
    assert sorted(ROOT.glob(pattern)), f"no file matches {pattern}"


def test_every_variable_compose_interpolates_is_documented_in_env_example() -> None:
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text(encoding="utf-8")))
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    assert used
    assert used <= documented


def test_env_example_names_only_real_settings_or_compose_variables() -> None:
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE)
    )
    compose_only = set(
        re.findall(r"\$\{([A-Z0-9_]+)", (ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    )
    settings = {f"NEWSWIRE_{name.upper()}" for name in Settings.model_fields}
    assert documented - settings - compose_only == set()


def test_dockerfile_is_slim_non_root_and_installs_dependencies_before_the_code() -> None:
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    [base] = [line for line in lines if line.startswith("FROM ")]
    assert re.fullmatch(r"FROM python:3\.1[1-9]-slim", base)
    users = [line for line in lines if line.startswith("USER ")]
    assert users
    assert users[-1] not in ("USER root", "USER 0")

    def first(prefix: str) -> int:
        return next(i for i, line in enumerate(lines) if line.startswith(prefix))

    assert first("COPY pyproject.toml") < first("RUN python -c") < first("COPY services")
    assert first("COPY services") < first("RUN pip install --no-deps .")


def test_dockerignore_keeps_the_virtualenv_and_git_out_of_the_build_context() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".git", ".venv", ".env"} <= ignored
