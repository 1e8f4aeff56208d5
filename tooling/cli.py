"""The `kefu` command: up, run, migrate, bus declare, dlq, token."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from shared.context import Context
from shared.contracts.values import Role
from shared.settings import DEVELOPMENT_MODES, SERVICES, InsecureSettings, Settings, load
from tooling.processes import FAKES, SERVERS, Record, Started, start_reaper, stop


def _print(*args: Any) -> None:
    print(*args, flush=True)


def _service_name(value: str) -> str:
    """One service name, checked per value: argparse's `choices` with nargs='*' rejects the
    empty list on Python 3.11 ("invalid choice: []"), which broke a bare `kefu migrate`."""
    if value not in SERVICES:
        raise argparse.ArgumentTypeError(
            f"invalid service {value!r} (choose from {', '.join(SERVICES)})"
        )
    return value


def cmd_run(args: argparse.Namespace) -> int:
    """Run one service in this process (the container entry point)."""
    import uvicorn

    from shared.observability import setup_logging

    try:
        settings = load(args.service)
        setup_logging(args.service, settings.log_level)
        module = importlib.import_module(f"services.{args.service}.app")
        app = module.create_app(settings)
    except (InsecureSettings, ValidationError) as exc:
        print(f"kefu run {args.service}: refusing to start: {exc}", file=sys.stderr, flush=True)
        return 2
    uvicorn.run(
        app,
        host=args.host or settings.http_host,
        port=args.port or settings.port_for(args.service),
        log_config=None,
        timeout_graceful_shutdown=int(settings.graceful_timeout) + 2,
    )
    return 0


async def _migrate(
    url: str, services: tuple[str, ...], progress: Any = None
) -> dict[str, list[str]]:
    from shared.migrate import migrate

    return await migrate(url, services, progress)


def cmd_migrate(args: argparse.Namespace) -> int:
    """Create schemas and roles, apply pending migrations (each file printed as it is applied)."""
    settings = load()
    services = tuple(args.service) if args.service else SERVICES
    applied = asyncio.run(
        _migrate(settings.database_url, services, lambda s, name: _print(f"{s}: applied {name}"))
    )
    for service, names in applied.items():
        _print(f"{service}: {f'{len(names)} applied' if names else 'up to date'}")
    return 0


async def _declare(url: str, replicas: int, max_age_days: int) -> list[str]:
    import nats

    from shared.streams import declare

    nc = await nats.connect(servers=[u.strip() for u in url.split(",") if u.strip()])
    try:
        return await declare(nc.jetstream(), replicas=replicas, max_age_days=max_age_days)
    finally:
        await nc.close()


def cmd_bus(args: argparse.Namespace) -> int:
    """Create or update streams and every durable consumer."""
    settings = load()
    for line in asyncio.run(
        _declare(settings.nats_url, settings.stream_replicas, settings.events_max_age_days)
    ):
        _print(line)
    return 0


async def _dlq(args: argparse.Namespace) -> int:
    import asyncpg

    from shared import deadletters

    settings = load()
    services: tuple[str, ...] = (args.service,) if getattr(args, "service", None) else SERVICES
    conn = await asyncpg.connect(settings.database_url)
    try:
        if args.dlq_command == "list":
            for s in services:
                for r in await deadletters.list_(conn, s, args.limit):
                    replayed = (
                        f" replayed {r['replayed_at']:%Y-%m-%d %H:%M}" if r["replayed_at"] else ""
                    )
                    _print(
                        f"{s}:{r['id']}\t{r['created_at']:%Y-%m-%d %H:%M:%S}\t{r['consumer']}\t"
                        f"{r['subject']}\tdeliveries={r['deliveries']}{replayed}\t{r['error'][:120]}"
                    )
            return 0
        if args.dlq_command == "replay" and args.id is None:
            return await _replay_many(args, conn, services)
        if args.dlq_command == "replay" and (args.all or args.subject or args.since):
            return _fail("kefu dlq replay", "give an id or --all/--subject/--since, not both")
        service, _, ident = args.id.partition(":")
        if not ident.isdigit() or service not in SERVICES:
            return _fail(
                f"kefu dlq {args.dlq_command}",
                f"{args.id!r} is not an id: give <service>:<number>, as `kefu dlq list` prints it",
            )
        if args.dlq_command == "show":
            row = await deadletters.show(conn, service, int(ident))
            if row is None:
                _print(f"no dead letter {args.id}")
                return 1
            data = dict(row)
            data["body"] = bytes(row["body"]).decode(errors="replace")
            _print(json.dumps(data, default=str, indent=2, ensure_ascii=False))
            return 0
        if await deadletters.show(conn, service, int(ident)) is None:
            _print(f"no dead letter {args.id}")
            return 1
        return await _replay(settings, conn, [(service, int(ident))])
    finally:
        await conn.close()


async def _replay_many(args: argparse.Namespace, conn: Any, services: tuple[str, ...]) -> int:
    """Replay the dead letters a filter selects, after a confirmation."""
    from shared import deadletters

    if not (args.all or args.subject or args.since):
        return _fail("kefu dlq replay", "give an id, or choose with --all, --subject or --since")
    chosen: list[tuple[str, int]] = []
    for s in services:
        for r in await deadletters.select(conn, s, subject=args.subject, since=args.since):
            chosen.append((s, r["id"]))
            _print(f"{s}:{r['id']}\t{r['created_at']:%Y-%m-%d %H:%M:%S}\t{r['subject']}")
    if not chosen:
        _print("no dead letters to replay (already replayed ones are left out)")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            return _fail("kefu dlq replay", f"{len(chosen)} to replay: confirm with --yes")
        question = f"replay these {len(chosen)} dead letters? [y/N] "
        answer = (await asyncio.to_thread(input, question)).strip().lower()
        if answer not in ("y", "yes"):
            _print("nothing replayed")
            return 1
    return await _replay(load(), conn, chosen)


async def _replay(settings: Settings, conn: Any, chosen: list[tuple[str, int]]) -> int:
    """Publish each chosen dead letter again, printing progress as each one goes; stop at the
    first that cannot be published (0 if all went)."""
    import nats

    from shared import deadletters

    nc = await nats.connect(servers=settings.nats_servers)
    try:
        js = nc.jetstream()
        for n, (service, ident) in enumerate(chosen, 1):
            try:
                subject = await deadletters.replay(conn, js, service, ident)
            except Exception as exc:
                print(
                    f"kefu dlq replay: {service}:{ident} not published ({type(exc).__name__}:"
                    f" {exc}); {n - 1} of {len(chosen)} replayed. Are the streams declared"
                    " (`kefu bus declare`)?",
                    file=sys.stderr,
                    flush=True,
                )
                return 1
            _print(f"[{n}/{len(chosen)}] replayed {service}:{ident} to {subject}")
    finally:
        await nc.close()
    return 0


def _fail(prog: str, message: str) -> int:
    """One line on stderr, exit status 2 (usage)."""
    print(f"{prog}: error: {message}", file=sys.stderr, flush=True)
    return 2


def cmd_dlq(args: argparse.Namespace) -> int:
    """List, show or replay dead letters."""
    return asyncio.run(_dlq(args))


def cmd_token(args: argparse.Namespace) -> int:
    """Issue a signed bearer token."""
    from shared.web.auth import issue_token

    settings = load()
    try:
        settings.refuse_development_secrets()
    except InsecureSettings as exc:
        print(f"kefu token issue: refusing to sign: {exc}", file=sys.stderr, flush=True)
        return 2
    try:
        token = issue_token(
            settings,
            role=args.role,
            sub=args.sub,
            branch=args.branch,
            region=args.region,
            department=args.department,
            team=args.team,
            ttl_seconds=args.ttl,
        )
    except ValueError as exc:
        return _fail("kefu token issue", str(exc))
    _print(token)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Walk the five journeys against a running `kefu up`, over HTTP."""
    from tooling.demo import run

    token = args.token or os.environ.get("KEFU_ADMIN_TOKEN") or "kefu-local-admin"
    settings = load()
    ports = None
    if not (settings.http_port or settings.port_base or settings.service_ports):
        # No port given: a `kefu up` running with this home says where its services are.
        data = Record.read(Path(args.home) / "up.json")
        ports = data["ports"] if data and Record.owner_alive(data) else None
    return run(token, settings, host=args.host, out=_print, ports=ports)


def cmd_catalogue(args: argparse.Namespace) -> int:
    """Render the files made from the catalogue, or check that the committed ones match."""
    from tooling.catalogue import render

    differing = render(check=args.check)
    for path in differing:
        _print(f"{'differs' if args.check else 'wrote'}: {path}")
    if args.check and differing:
        _print("run `kefu catalogue render` and commit the result")
        return 1
    if not differing:
        _print("generated files are current")
    return 0


async def _console_context(
    fn: Callable[[Context], Awaitable[Any]],
) -> Any:
    """Run fn in a transaction of the console's schema, acting as its role."""
    from services.console.config import ConsoleSettings
    from shared.db import create_pool, transaction

    settings = load("console")
    pool = await create_pool(settings, "console", min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn, transaction(conn):
            return await fn(Context(conn, "console", ConsoleSettings()))
    finally:
        await pool.close()


def _read_password() -> str:
    """The password from the terminal (not echoed) or from standard input's first line."""
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            raise SystemExit("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_user(args: argparse.Namespace) -> int:
    """Add a console account; the password is read from standard input."""
    from services.console.workflow.accounts import add_staff
    from shared.errors import DomainError

    password = _read_password()
    try:
        staff = asyncio.run(
            _console_context(
                lambda ctx: add_staff(
                    ctx,
                    args.username,
                    password,
                    args.role,
                    branch=args.branch,
                    region=args.region,
                    department=args.department,
                    team=args.team,
                )
            )
        )
    except DomainError as exc:
        _print(f"kefu user add: {exc.field or exc.code}: {exc.detail}")
        return 2
    _print(f"added {staff.username} ({staff.role.value})")
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    """Issue a customer's link by hand, or revoke a waybill's or a project's links."""
    from services.console.config import ConsoleSettings
    from services.console.workflow.tracking import issue_link, revoke_links
    from shared.links import PROJECT_AUDIENCES, SHIPMENT_AUDIENCES, Audience

    if args.project and args.audience not in (None, Audience.CUSTOMER.value):
        return _fail(f"kefu link {args.link_command}", "--project links are the customer's")
    if args.audience:
        audiences = [Audience(args.audience)]
    else:
        audiences = list(PROJECT_AUDIENCES if args.project else SHIPMENT_AUDIENCES)
    if args.link_command == "revoke":
        at = asyncio.run(
            _console_context(
                lambda ctx: revoke_links(ctx, args.record, audiences, args.by, args.reason)
            )
        )
        names = ", ".join(a.value for a in audiences)
        _print(f"revoked the links to {args.record} for {names} issued until {at.isoformat()}")
        return 0
    settings, secret = load("console"), ConsoleSettings().link_secret
    try:
        settings.refuse_weak_link_secret(secret)
    except InsecureSettings as exc:
        print(f"kefu link issue: refusing to sign: {exc}", file=sys.stderr, flush=True)
        return 2
    if len(audiences) != 1:
        return _fail(
            "kefu link issue", "--audience is required (consignee or shipper), or --project"
        )
    base = args.base_url or f"http://127.0.0.1:{settings.port_for('console')}"
    try:
        _print(issue_link(secret, base, args.record, audiences[0], datetime.now(UTC), args.days))
    except ValueError as exc:
        return _fail("kefu link issue", str(exc))
    return 0


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=1) as r:
            return bool(r.status == 200)
    except Exception:
        return False


def _port_taken(host: str, port: int) -> bool:
    """Whether binding the port fails (as uvicorn binds it: SO_REUSEADDR)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def _ports(settings: Settings, services: tuple[str, ...]) -> dict[str, int]:
    """Each service's port; refuses ports shared or already taken, saying how to move them."""
    ports = {name: settings.port_for(name) for name in services}
    if len(set(ports.values())) < len(ports):
        raise SystemExit(
            f"kefu up: services would share a port ({ports}); unset KEFU_HTTP_PORT and use"
            " --port-base or KEFU_<SERVICE>_HTTP_PORT"
        )
    taken = [f"{n} {p}" for n, p in ports.items() if _port_taken(settings.http_host, p)]
    if taken:
        raise SystemExit(
            f"kefu up: port(s) already in use: {', '.join(taken)} (another `kefu up`?)."
            " Stop it, or run this one elsewhere: --port-base 9000 (intake on 9001 …)"
        )
    return ports


def _take_home(record: Path) -> None:
    """Refuse a home another `kefu up` runs in; stop what a killed one left behind."""
    data = Record.read(record)
    if data is None:
        return
    if Record.owner_alive(data):
        raise SystemExit(
            f"kefu up: already running (pid {data['owner']}) with {record.parent};"
            " stop it first, or use another --home"
        )
    if left := [s.name for s in Record.entries(data) if s.process() is not None]:
        _print(f"stopping what an earlier kefu up left running: {', '.join(left)}")
    stop(Record.entries(data))
    record.unlink(missing_ok=True)


def _raise_interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def cmd_up(args: argparse.Namespace) -> int:
    """Start embedded servers (unless configured), migrate, declare, run every service.

    Everything it starts is written down in <home>/up.json as it starts and stopped however this
    ends: Ctrl-C, SIGTERM, SIGHUP, an error or a service exiting stop it here; a reaper process
    stops it if this process is killed outright.
    """
    home = Path(args.home).resolve()
    home.mkdir(parents=True, exist_ok=True)
    # The all-in-one local run asks for development mode unless told otherwise.
    os.environ.setdefault("KEFU_ENV", "development")
    if args.port_base is not None:
        os.environ["KEFU_PORT_BASE"] = str(args.port_base)
    services = tuple(args.services) if args.services else SERVICES
    record_path = home / "up.json"
    _take_home(record_path)
    ports = _ports(load(), services)
    # SIGINT too: a shell starts background jobs with it ignored, and Python keeps that.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _raise_interrupt)
    record = Record(record_path)
    record.set_ports(ports)
    reaper = start_reaper(record_path, home / "reaper.log")
    children: dict[str, subprocess.Popen[bytes]] = {}
    code = 1
    try:
        code = _up(home, services, ports, record, children)
    except KeyboardInterrupt:
        code = 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C does not cut the clean-up short
        _print("stopping…")
        killed = stop(record.started)
        for child in children.values():
            child.wait()
        record.remove()
        reaper.terminate()
        reaper.wait()
        slow = f" (killed {', '.join(killed)}: too slow to stop)" if killed else ""
        _print(f"stopped{slow}")
    return code


def _up(
    home: Path,
    services: tuple[str, ...],
    ports: dict[str, int],
    record: Record,
    children: dict[str, subprocess.Popen[bytes]],
) -> int:
    """Start everything, report readiness, then wait until a service exits (1)."""
    from tooling.embedded import start_nats, start_postgres

    env = dict(os.environ)
    if not env.get("KEFU_NATS_URL"):
        n = start_nats(home / "nats")
        record.add(Started.of("nats-server", n.process.pid, SERVERS))
        env["KEFU_NATS_URL"] = n.url
        _print(f"embedded NATS      {n.url} (monitoring http://127.0.0.1:{n.monitor_port})")
    if not env.get("KEFU_DATABASE_URL"):
        pg = start_postgres(home / "pg")
        record.add(Started.of("postgres", pg.pid, SERVERS, signal.SIGINT))
        env["KEFU_DATABASE_URL"] = pg.url
        _print(f"embedded Postgres  {pg.url}")
    env.update({f"KEFU_{name.upper()}_HTTP_PORT": str(port) for name, port in ports.items()})
    exported = ["KEFU_NATS_URL", "KEFU_DATABASE_URL"]
    exported += [f"KEFU_{name.upper()}_HTTP_PORT" for name in ports]
    (home / "env").write_text("".join(f"export {k}='{env[k]}'\n" for k in exported))
    os.environ.update({k: env[k] for k in exported})
    settings = load()
    asyncio.run(
        _migrate(settings.database_url, SERVICES, lambda s, n: _print(f"migrated {s}: {n}"))
    )
    asyncio.run(_declare(settings.nats_url, settings.stream_replicas, settings.events_max_age_days))
    env["KEFU_DECLARE_ON_START"] = "false"
    if env["KEFU_ENV"] in DEVELOPMENT_MODES:
        env.setdefault("KEFU_ADMIN_TOKEN", "kefu-local-admin")
        # The console creates (or resets) its `admin` account with it when it starts.
        env.setdefault("KEFU_ADMIN_PASSWORD", "kefu-local-admin")
    if "console" in ports:  # the SMS links open the console this run serves
        env.setdefault("KEFU_LINK_BASE_URL", f"http://127.0.0.1:{ports['console']}")
    env.update(_start_fakes(home, env, record, children))
    logs = home / "logs"
    logs.mkdir(exist_ok=True)
    for name in services:
        with open(logs / f"{name}.log", "ab") as out:
            p = subprocess.Popen(
                [sys.executable, "-m", "tooling.cli", "run", name],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        children[name] = p
        record.add(Started.of(name, p.pid))
    _report_ready(services, ports, settings.http_host, children, logs)
    admin = env.get("KEFU_ADMIN_TOKEN") or "none (production mode: `kefu token issue`)"
    password = env.get("KEFU_ADMIN_PASSWORD") or "none (production mode: `kefu user add`)"
    _print(f"console sign-in: admin / {password}")
    _print(f"admin token: {admin}   (logs in {logs}; Ctrl-C stops everything)")
    while all(p.poll() is None for p in children.values()):
        time.sleep(0.5)
    dead = [n for n, p in children.items() if p.poll() is not None]
    _print(f"service(s) exited: {', '.join(dead)}")
    return 1


def _report_ready(
    services: tuple[str, ...],
    ports: dict[str, int],
    host: str,
    children: dict[str, subprocess.Popen[bytes]],
    logs: Path,
    timeout: float = 60.0,
) -> None:
    """Print each service as its /readyz answers 200 (all polled together), or why not."""
    urls = {name: f"http://{host}:{ports[name]}" for name in services}
    waiting = list(services)
    deadline = time.monotonic() + timeout
    while waiting and time.monotonic() < deadline:
        for name in list(waiting):
            if _ready(urls[name]):
                waiting.remove(name)
                _print(f"{name:<14} {urls[name]}  ready   docs {urls[name]}/docs")
            elif name in children and children[name].poll() is not None:
                waiting.remove(name)
                _print(f"{name:<14} {urls[name]}  EXITED (see {logs / name}.log)")
        time.sleep(0.1)
    for name in waiting:
        _print(f"{name:<14} {urls[name]}  NOT READY after {timeout:.0f} s (see {logs / name}.log)")


def _start_fakes(
    home: Path,
    env: dict[str, str],
    record: Record,
    children: dict[str, subprocess.Popen[bytes]],
) -> dict[str, str]:
    """Start the loopback SMS gateway and SMTP sink unless real ones are configured."""
    if env.get("KEFU_NOTIFICATIONS_SMS_URL"):
        return {}
    from tooling.embedded import free_port

    sms_port, smtp_port = free_port(), free_port()
    with open(home / "logs-fakes.log", "ab") as out:
        p = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tooling.fakes",
                "--sms-port",
                str(sms_port),
                "--smtp-port",
                str(smtp_port),
                "--dir",
                str(home / "outbox-fakes"),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    children["fakes"] = p
    record.add(Started.of("fakes", p.pid, FAKES))
    _print(f"fake SMS gateway   http://127.0.0.1:{sms_port}   fake SMTP 127.0.0.1:{smtp_port}")
    return {
        "KEFU_NOTIFICATIONS_SMS_URL": f"http://127.0.0.1:{sms_port}/sms/send",
        "KEFU_NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
        "KEFU_NOTIFICATIONS_SMTP_PORT": str(smtp_port),
    }


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: the usage is one `--help` away."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _since(text: str) -> datetime:
    """An ISO 8601 date or time; without a zone, the machine's local time."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date or time (e.g. 2026-05-04 or 2026-05-04T08:00+08:00)"
        ) from exc
    return value if value.tzinfo else value.astimezone()


def _version() -> str:
    try:
        return f"kefu {metadata.version('kefu')}"
    except metadata.PackageNotFoundError:
        return "kefu (not installed)"


ROLES = tuple(r.value for r in Role)


def parser() -> Parser:
    """The `kefu` command line: every subcommand and option has its help."""
    top = Parser(prog="kefu", description="Kefu customer-service platform")
    top.add_argument("--version", action="version", version=_version())
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, text: str, fn: Any = None, parent: Any = sub) -> Parser:
        made: Parser = parent.add_parser(name, help=text, description=text)
        if fn is not None:
            made.set_defaults(fn=fn)
        return made

    up = command("up", "run the whole system (embedded servers unless KEFU_* URLs are set)", cmd_up)
    up.add_argument("--home", default=".kefu", help="where data, logs and up.json live")
    up.add_argument(
        "--port-base",
        type=int,
        help="serve on base + the service's offset (9000: intake 9001 …) instead of 8001–8005",
    )
    up.add_argument("services", nargs="*", help="services to run (default: all)")

    run = command("run", "run one service in this process (the container entry point)", cmd_run)
    run.add_argument("service", choices=SERVICES, help=f"one of {', '.join(SERVICES)}")
    run.add_argument("--host", help="address to listen on (default KEFU_HTTP_HOST)")
    run.add_argument("--port", type=int, help="port to listen on (default: the service's)")

    mig = command(
        "migrate", "create schemas and roles, apply pending migrations (each printed)", cmd_migrate
    )
    mig.add_argument(
        "service", nargs="*", type=_service_name, help="services to migrate (default: all)"
    )

    bus = command("bus", "JetStream administration")
    bus_sub = bus.add_subparsers(dest="bus_command", required=True, metavar="COMMAND")
    command("declare", "create or update the streams and every durable consumer", cmd_bus, bus_sub)

    dlq = command("dlq", "dead letters: what failed, why, and send it again")
    dlq_sub = dlq.add_subparsers(dest="dlq_command", required=True, metavar="COMMAND")
    dl = command("list", "the newest dead letters of each service", cmd_dlq, dlq_sub)
    dl.add_argument("--service", choices=SERVICES, help="only this service's")
    dl.add_argument("--limit", type=int, default=50, help="at most this many per service (50)")
    ds = command("show", "one dead letter with its headers and body", cmd_dlq, dlq_sub)
    ds.add_argument("id", help="<service>:<number>, as `kefu dlq list` prints it")
    dr = command(
        "replay",
        "publish dead letters again (consumers that handled one skip it): one by its id, or"
        " those chosen with --all, --subject or --since after a confirmation",
        cmd_dlq,
        dlq_sub,
    )
    dr.add_argument("id", nargs="?", help="<service>:<number>, as `kefu dlq list` prints it")
    dr.add_argument("--all", action="store_true", help="every dead letter not replayed yet")
    dr.add_argument("--subject", help="those of a subject pattern (complaint.opened, repair.>)")
    dr.add_argument("--since", type=_since, help="those written since a date or time (ISO 8601)")
    dr.add_argument("--service", choices=SERVICES, help="only this service's")
    dr.add_argument("--yes", "-y", action="store_true", help="do not ask for a confirmation")

    tok = command("token", "bearer tokens")
    tok_sub = tok.add_subparsers(dest="token_command", required=True, metavar="COMMAND")
    ti = command("issue", "sign a bearer token with KEFU_AUTH_SECRET", cmd_token, tok_sub)
    ti.add_argument(
        "--role", required=True, choices=ROLES, metavar="ROLE", help=f"one of {', '.join(ROLES)}"
    )
    ti.add_argument("--sub", help="who it is for (a staff member, a branch system)")
    ti.add_argument("--branch", help="the branch code (required for --role branch)")
    ti.add_argument("--region", help="the region a regional role sees")
    ti.add_argument("--department", help="the department (dept_head and department staff)")
    ti.add_argument("--team", help="the team")
    ti.add_argument(
        "--ttl", type=_positive, default=86400 * 30, help="seconds until exp (always set; 30 days)"
    )

    user = command("user", "console accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="COMMAND")
    ua = command("add", "add an account; the password is read from stdin", cmd_user, user_sub)
    ua.add_argument("username", help="the sign-in name")
    ua.add_argument("--role", required=True, help="the staff member's role (as in tokens)")
    ua.add_argument("--branch", help="the branch code (branch staff)")
    ua.add_argument("--region", help="the region a regional role sees")
    ua.add_argument("--department", help="the department")
    ua.add_argument("--team", help="the team")

    link = command(
        "link", "the customers' links (the shipment's or the project's page the SMS links to)"
    )
    link_sub = link.add_subparsers(dest="link_command", required=True, metavar="COMMAND")
    li = command(
        "issue", "print a link as the SMS carries it (KEFU_LINK_SECRET)", cmd_link, link_sub
    )
    li.add_argument("record", help="the waybill (or with --project the project) the page shows")
    li.add_argument(
        "--audience", choices=("consignee", "shipper", "customer"), help="whom it is for"
    )
    li.add_argument(
        "--project", action="store_true", help="a renovation project's page, for its customer"
    )
    li.add_argument("--days", type=int, default=30, help="how long it opens (30)")
    li.add_argument(
        "--base-url",
        default=os.environ.get("KEFU_LINK_BASE_URL"),
        help="the console's public address (KEFU_LINK_BASE_URL; default this host's console)",
    )
    lr = command(
        "revoke",
        "every link to the waybill (or project) issued until now opens nothing",
        cmd_link,
        link_sub,
    )
    lr.add_argument("record", help="the waybill (or with --project the project) whose links end")
    lr.add_argument(
        "--audience", choices=("consignee", "shipper", "customer"), help="only this one's"
    )
    lr.add_argument("--project", action="store_true", help="the record is a renovation project")
    lr.add_argument("--by", default="cli", help="who revokes (kept with the revocation)")
    lr.add_argument("--reason", default="", help="why (kept with the revocation)")

    demo = command("demo", "walk the five journeys against a running `kefu up`", cmd_demo)
    demo.add_argument("--token", help="admin token (default: KEFU_ADMIN_TOKEN or kefu-local-admin)")
    demo.add_argument("--host", default="127.0.0.1", help="where the services listen")
    demo.add_argument("--home", default=".kefu", help="the running `kefu up`'s home (its ports)")

    cat = command("catalogue", "files made from the event contracts and the consumer catalogue")
    cat_sub = cat.add_subparsers(dest="catalogue_command", required=True, metavar="COMMAND")
    cr = command(
        "render", "write docs/EVENTS.md and the other generated files", cmd_catalogue, cat_sub
    )
    cr.add_argument("--check", action="store_true", help="only report files that differ (exit 1)")
    return top


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kefu` command."""
    args = parser().parse_args(argv)
    return int(args.fn(args))


if __name__ == "__main__":
    sys.exit(main())
