"""The `crm` command line: in process with click's runner, and `crm serve` for real."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from django.test import Client

from crm.accounts.models import ApiToken, Team, User
from crm.cli import main

PASSWORD = "Correct-Horse-42"
CRM = Path(sys.executable).with_name("crm")


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)

    return invoke


def test_help_lists_every_command(run):
    result = run("--help")
    assert result.exit_code == 0
    for command in (
        "serve",
        "worker",
        "migrate",
        "demo",
        "first-run",
        "user",
        "token",
        "manage",
    ):
        assert f"  {command}" in result.output
    assert "CRM_DATA_DIR" in result.output


def test_user_create_makes_the_team_when_missing(run, db):
    result = run(
        "user",
        "create",
        "olga",
        "--role",
        "head",
        "--password",
        PASSWORD,
        "--team",
        "Отдел продаж Казань",
        "--email",
        "olga@example.com",
    )
    assert result.exit_code == 0, result.output
    olga = User.objects.get(username="olga")
    assert olga.role == "head"
    assert olga.team.name == "Отдел продаж Казань"
    assert olga.check_password(PASSWORD)
    assert "Created user olga" in result.output

    result = run(
        "user", "create", "pavel", "--role", "sales", "--password", PASSWORD,
        "--team", "Отдел продаж Казань",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert Team.objects.filter(name="Отдел продаж Казань").count() == 1
    assert User.objects.get(username="pavel").team == olga.team


def test_user_create_refuses_an_unknown_role(run, db):
    result = CliRunner().invoke(
        main, ["user", "create", "x", "--role", "boss", "--password", PASSWORD]
    )
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output
    assert not User.objects.filter(username="x").exists()


def test_user_create_refuses_a_taken_name_and_a_weak_password(run, make_user):
    make_user(username="taken")
    result = CliRunner().invoke(
        main, ["user", "create", "Taken", "--role", "sales", "--password", PASSWORD]
    )
    assert result.exit_code == 1
    assert "username" in result.output
    result = CliRunner().invoke(
        main, ["user", "create", "new", "--role", "sales", "--password", "123"]
    )
    assert result.exit_code == 1
    assert "password" in result.output
    assert not User.objects.filter(username="new").exists()


def test_token_create_prints_only_a_working_token(run, manager):
    result = run("token", "create", manager.username, "--name", "1C exchange")
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert result.stdout == key + "\n"
    assert ApiToken.objects.get(user=manager).name == "1C exchange"
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response.json()["username"] == manager.username
    assert Client().get("/api/v1/me").status_code == 401


def test_token_create_for_nobody_fails(run, db):
    result = CliRunner().invoke(main, ["token", "create", "ghost"])
    assert result.exit_code == 1
    assert "No user 'ghost'" in result.output


def test_manage_runs_django_commands(run, db):
    result = run("manage", "check")
    assert result.exit_code == 0, result.output
    assert "no issues" in result.output


def test_demo_refuses_no_contacts(run, db):
    result = CliRunner().invoke(main, ["demo", "--contacts", "0"])
    assert result.exit_code == 2
    assert "--contacts" in result.output


def test_demo_and_first_run_commands(run, db, settings, tmp_path, monkeypatch):
    from crm.demo import onboarding

    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(onboarding, "FIRST_RUN_CONTACTS", 30)
    result = run("first-run")
    assert result.exit_code == 0, result.output
    assert "Administrator:  admin  /  " in result.output
    result = run("demo", "--contacts", "20", "--seed", "9")
    assert result.exit_code == 0, result.output
    assert "Demo data: 20 contacts, 5 companies" in result.output
    result = run("first-run")
    assert "admin-password.txt" in result.output


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.allow_hosts(["127.0.0.1"])
def test_serve_answers_on_its_port(tmp_path):
    """`crm migrate` and `crm serve` as a person runs them, in their own processes."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION",)}
    env.pop("DATABASE_URL", None)
    env["CRM_DATA_DIR"] = str(tmp_path)
    migrated = subprocess.run(
        [str(CRM), "migrate"], env=env, capture_output=True, text=True, timeout=300
    )
    assert migrated.returncode == 0, migrated.stderr
    port = _free_port()
    server = subprocess.Popen(
        [str(CRM), "serve", "--port", str(port), "--no-worker", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = None
        deadline = time.monotonic() + 180  # a loaded CI machine starts slowly
        while time.monotonic() < deadline and server.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/accounts/login/"
                with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
                    status = response.status
                    body = response.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        assert status == 200, server.stdout.read() if server.poll() is not None else ""
        assert 'name="password"' in body
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert (tmp_path / "crm.sqlite3").exists()
