"""The deploy files (Dockerfile, compose.yaml, Procfile, app.json, the lock, CI) agree with the code.

No container engine runs here, so these read the files and check that every
command they run parses with the real `supportbot` parser.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from bot.cli import build_parser
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")


def assert_supportbot_command(argv: list[str], where: str) -> None:
    assert argv[0] == "supportbot", f"{where}: runs {argv[0]!r}, not the supportbot console script"
    try:
        build_parser().parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"{where}: `{shlex.join(argv)}` is not a valid supportbot command")


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n", " ", text)
    lines = [line.strip() for line in joined.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def test_the_dockerfile_builds_in_stages_and_runs_the_wheel_as_a_user_with_a_healthcheck():
    steps = dockerfile_instructions((ROOT / "Dockerfile").read_text())
    stages = [arg for op, arg in steps if op == "FROM"]
    assert len(stages) >= 2 and all("slim" in s for s in stages)
    run_stage = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM"):]
    users = [arg for op, arg in run_stage if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(op == "RUN" and "pip wheel" in arg for op, arg in steps), "the image installs the built wheel"
    assert any(op == "RUN" and "--require-hashes -r requirements.lock.txt" in arg for op, arg in steps)
    health = [arg for op, arg in run_stage if op == "HEALTHCHECK"]
    assert health and "/healthz" in health[0] and "PORT" in health[0]
    command = json.loads(next(arg for op, arg in reversed(run_stage) if op == "CMD"))
    assert command == ["supportbot", "serve"]
    assert_supportbot_command(command, "Dockerfile CMD")
    copied = " ".join(arg for op, arg in steps if op == "COPY")
    for needed in ("bot", "graph", "sql", "pyproject.toml"):
        assert needed in copied
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".git" in ignored, "secrets and history stay out of the build context"


def test_compose_runs_postgres_16_migrate_then_web_and_a_worker_with_commands_that_exist():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    db = services["db"]
    assert db["image"].startswith("postgres:16")
    assert "healthcheck" in db
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"], "the database lives on a named volume"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql://")
    assert services["migrate"]["command"][:2] == ["supportbot", "migrate"]
    assert services["web"]["command"][:2] == ["supportbot", "serve"]
    assert services["worker"]["command"][:2] == ["supportbot", "worker"]
    for name, service in services.items():
        if "command" in service and service["command"][0] == "supportbot":
            assert_supportbot_command(service["command"], f"compose service {name}")


def test_the_procfile_runs_commands_that_exist_with_migrate_on_release():
    processes = dict(line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines()
                     if line.strip() and not line.startswith("#"))
    assert processes["release"].split() == ["supportbot", "migrate"]
    for name, command in processes.items():
        assert_supportbot_command(shlex.split(command), f"Procfile {name}")


def test_app_json_declares_postgres_and_only_settings_the_bot_reads():
    app = json.loads((ROOT / "app.json").read_text())
    assert any(addon["plan"].startswith("heroku-postgresql") for addon in app["addons"])
    known = {name.upper() for name in Settings.model_fields}
    assert set(app["env"]) <= known, sorted(set(app["env"]) - known)
    assert app["env"]["SLACK_BOT_TOKEN"]["required"] is True
    processes = {line.split(":", 1)[0] for line in (ROOT / "Procfile").read_text().splitlines() if ":" in line}
    assert set(app["formation"]) <= processes


def test_python_version_matches_the_project_and_the_docker_base():
    wanted = (ROOT / ".python-version").read_text().strip()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == f">={wanted}"
    assert f"python:{wanted}-slim" in (ROOT / "Dockerfile").read_text()


def test_the_lock_covers_exactly_the_dependencies_pyproject_declares():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    ours = next(p for p in lock["package"] if p["name"] == "supportbot")
    locked = ours["metadata"]["requires-dist"]

    def names(requirements) -> set[str]:
        return {re.split(r"[\[<>=!~ ;]", r["name"] if isinstance(r, dict) else r, maxsplit=1)[0].lower()
                .replace("_", "-") for r in requirements}

    declared = set(project["dependencies"]) | set(project["optional-dependencies"]["test"])
    assert names(locked) == names(declared), "pyproject.toml changed: run `uv lock` and commit uv.lock"


def test_the_exported_requirements_are_the_lock():
    exported = subprocess.run([str(UV), "export", "--frozen", "--no-emit-project", "--no-dev", "-q",
                               "--no-header"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    committed = (ROOT / "requirements.lock.txt").read_text()
    body = "\n".join(line for line in committed.splitlines() if not line.startswith("#"))
    assert body.strip() == exported.strip(), (
        "requirements.lock.txt is stale: uv export --frozen --no-emit-project --no-dev -o requirements.lock.txt")


def test_ci_runs_exactly_the_readme_test_command_installing_from_the_lock():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    test_command = next(b for b in blocks if "pytest" in b).strip()
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command in ci.splitlines()
    assert "uv sync" in test_command and "--locked" in test_command
    assert test_command.endswith("pytest -q")
