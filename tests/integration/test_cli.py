"""The `kefu` command as an operator meets it: one-line errors with exit 2, help on every
subcommand, --version, dead letters replayed by filter after a confirmation with progress, and
migrations that print each file as it is applied. Run as the installed command is run: a child
process of this Python."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import asyncpg
import nats
import pytest
from nats.js import JetStreamContext

from shared import deadletters
from shared.contracts.values import Role
from shared.migrate import migrations_for
from shared.settings import Settings
from tests.support.harness import Servers, create_database, drop_database
from tooling.cli import parser

pytestmark = pytest.mark.quick


def kefu(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`kefu …` in a child process, its stdin a pipe (not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "tooling.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_a_wrong_role_is_one_line_naming_the_roles_and_exit_2() -> None:
    done = kefu("token", "issue", "--role", "nonsense", env={"KEFU_ENV": "development"})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert "'nonsense'" in lines[0] and all(r.value in lines[0] for r in Role)
    # A rule of the token (a branch token names its branch) is one line too.
    done = kefu("token", "issue", "--role", "branch", env={"KEFU_ENV": "development"})
    assert done.returncode == 2 and done.stderr.strip() == (
        "kefu token issue: error: a branch token needs --branch"
    )
    helped = kefu("token", "issue", "--help")
    assert all(r.value in helped.stdout for r in Role)


def commands(
    p: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (sub)command of the parser with its path."""
    yield path, p
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from commands(child, (*path, name))


def test_every_subcommand_and_option_has_help() -> None:
    found = list(commands(parser()))
    paths = {" ".join(path) for path, _ in found}
    # Every command line the deployments and the docs use is still there.
    assert {
        "up",
        "run",
        "migrate",
        "bus declare",
        "dlq list",
        "dlq show",
        "dlq replay",
        "token issue",
        "user add",
        "demo",
        "catalogue render",
    } <= paths
    for path, p in found:
        assert p.description, f"kefu {' '.join(path)} has no description"
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    assert choice.help, f"kefu {' '.join(path)} {choice.dest}: no help"
            elif not isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
                assert action.help, f"kefu {' '.join(path)} {action.dest}: no help"
    done = kefu("dlq", "replay", "--help")
    assert done.returncode == 0 and "--since" in done.stdout and "--yes" in done.stdout


def test_version() -> None:
    done = kefu("--version")
    assert done.returncode == 0 and done.stdout.startswith("kefu ")


async def test_dead_letters_replayed_by_subject_after_a_confirmation(
    settings: Settings, js: JetStreamContext
) -> None:
    marker = uuid.uuid4().hex[:8]
    conn = await asyncpg.connect(settings.database_url, server_settings={"search_path": "intake"})
    nc = await nats.connect(settings.nats_url)
    try:
        ids = {}
        for subject in ("repair.opened", "repair.closed", "lead.registered"):
            await deadletters.write(
                conn,
                service="intake",
                consumer="intake-test",
                subject=subject,
                headers={"Nats-Msg-Id": f"{marker}-{subject}"},
                body=json.dumps({"marker": marker}).encode(),
                error="test",
                deliveries=1,
                stream_seq=None,
                reason="rejected",
            )
            ids[subject] = await conn.fetchval(
                "SELECT max(id) FROM intake.dead_letters WHERE subject = $1", subject
            )
        got: list[str] = []

        async def seen(msg: nats.aio.msg.Msg) -> None:
            if marker.encode() in msg.data:
                got.append(msg.subject)

        await nc.subscribe("repair.>", cb=seen)
        await nc.subscribe("lead.>", cb=seen)
        await nc.flush()
        env = {"KEFU_DATABASE_URL": settings.database_url, "KEFU_NATS_URL": settings.nats_url}
        args = ("dlq", "replay", "--subject", "repair.>", "--service", "intake")

        # Not a terminal and no --yes: it lists what it would do and refuses.
        refused = await asyncio.to_thread(kefu, *args, env=env)
        assert refused.returncode == 2, refused.stderr
        assert "confirm with --yes" in refused.stderr
        assert f"intake:{ids['repair.opened']}" in refused.stdout
        await asyncio.sleep(0.3)
        assert got == []

        done = await asyncio.to_thread(kefu, *args, "--yes", env=env)
        assert done.returncode == 0, done.stderr
        progress = [line for line in done.stdout.splitlines() if line.startswith("[")]
        assert len(progress) == 2 and progress[0].startswith("[1/2] replayed intake:")
        await asyncio.sleep(0.5)
        assert sorted(got) == ["repair.closed", "repair.opened"]
        replayed = {
            r["subject"]: r["replayed_at"]
            for r in await conn.fetch(
                "SELECT subject, replayed_at FROM intake.dead_letters WHERE id = ANY($1)",
                list(ids.values()),
            )
        }
        assert replayed["repair.opened"] and replayed["repair.closed"]
        assert replayed["lead.registered"] is None
        # Replayed ones are not chosen again.
        again = await asyncio.to_thread(kefu, *args, "--yes", env=env)
        assert again.returncode == 0 and "no dead letters to replay" in again.stdout
        bad = await asyncio.to_thread(kefu, "dlq", "replay", "--since", "yesterday", env=env)
        assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    finally:
        await nc.close()
        await conn.execute("DELETE FROM intake.dead_letters WHERE consumer = 'intake-test'")
        await conn.close()


async def test_migrate_prints_each_file_as_it_is_applied(servers: Servers) -> None:
    url = await create_database(servers.admin_url, "kefu_cli")
    try:
        done = await asyncio.to_thread(kefu, "migrate", "intake", env={"KEFU_DATABASE_URL": url})
        assert done.returncode == 0, done.stderr
        files = [m.name for m in migrations_for("intake")]
        assert [f"intake: applied {name}" for name in files] == done.stdout.splitlines()[:-1]
        assert done.stdout.splitlines()[-1] == f"intake: {len(files)} applied"
        again = await asyncio.to_thread(kefu, "migrate", "intake", env={"KEFU_DATABASE_URL": url})
        assert again.stdout.strip() == "intake: up to date"
    finally:
        await drop_database(servers.admin_url, url)
