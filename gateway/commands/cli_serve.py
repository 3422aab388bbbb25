"""`returns-gateway serve`: run the gateway on embedded defaults, in one process or N sharing the port."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import errno
import logging
import multiprocessing
import signal
import socket
import ssl
import sys
from pathlib import Path

from aiohttp import web

from gateway.admin.policies import load_loyalty_program, load_policy_file
from gateway.app import create_app
from gateway.commands.cli_checks import DB_HELP, USAGE, CliError, database, readable_file
from gateway.heap import settle
from gateway.http.errors import GatewayError
from gateway.logs import ACCESS, AccessLogger, configure
from gateway.settings import DEFAULT_CONFIG, Settings, load_settings
from gateway.version import version
from handlers.errors import PolicyInvalid

LOG = logging.getLogger("returns_gateway")
DRAIN_SECONDS = 30.0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "serve",
        help="run the gateway",
        description=(
            "Run the gateway. With no options: a SQLite file returns-gateway.db in the working directory, the "
            "shipped example policy, http://127.0.0.1:8080. Settings come from --config (TOML, [gateway] table), "
            "then RETURNS_GATEWAY_* environment variables, then these options."
        ),
    )
    parser.add_argument(
        "--config", type=Path, help="TOML settings file (default: returns-gateway.toml when the directory has one)"
    )
    parser.add_argument("--host", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port, 1 to 65535 (default: 8080)")
    parser.add_argument("--db", dest="db_path", help=DB_HELP)
    parser.add_argument("--policy", type=Path, dest="policy_path", help="policy set XML (default: the shipped policy)")
    parser.add_argument("--workers", type=int, help="processes sharing the port and the database (default: 1)")
    parser.add_argument("--log-format", choices=("text", "json"), help="log lines as text or JSON (default: text)")
    parser.add_argument("--tls-cert", help="PEM certificate: serve HTTPS (default: none, plain HTTP)")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert (default: in the --tls-cert file)")
    parser.add_argument("--client-ca", help="PEM CA bundle: accept client certificates it signed (default: none)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    config = args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    settings = _settings(args, config)
    _check(settings)
    if not _settings_documents_load(settings):
        return USAGE
    served = _loopback_unless_credentials(settings)
    sock = listen(served)  # a busy port or a foreign address is refused before anything is logged
    configure(settings.log_format)
    LOG.info(
        "returns-gateway %s; settings from %s; %d credential(s) loaded",
        version(),
        config or "embedded defaults and RETURNS_GATEWAY_* variables",
        len(settings.credentials),
    )
    if not settings.credentials:
        LOG.warning("no credentials configured: listening on loopback only (127.0.0.1); see `credentials add`")
    if served.workers <= 1:
        serve_one(served, sock)
        LOG.info("stopped")
        return 0
    sock.close()
    return _serve_many(served)


def _settings(args: argparse.Namespace, config: Path | None) -> Settings:
    """The settings, or one line naming the file or variable that is wrong."""
    if args.config is not None:
        readable_file(args.config, "--config")
    try:
        return load_settings(
            config,
            host=args.host,
            port=args.port,
            db_path=args.db_path,
            policy_path=args.policy_path,
            workers=args.workers,
            log_format=args.log_format,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            client_ca=args.client_ca,
        )
    except (OSError, ValueError) as exc:
        raise CliError(f"settings file {config}: {exc}" if config else f"settings: {exc}") from None


def _check(settings: Settings) -> None:
    """Refuse impossible settings before anything is opened or logged."""
    if not 1 <= settings.port <= 65535:
        raise CliError(f"--port {settings.port} is not a port; give 1 to 65535")
    if settings.workers < 1:
        raise CliError(f"--workers {settings.workers}: give 1 or more processes")
    database(settings.db_path, "--db")
    for option, path in (("--tls-cert", settings.tls_cert), ("--tls-key", settings.tls_key)):
        if path:
            readable_file(path, option)
    if settings.client_ca:
        readable_file(settings.client_ca, "--client-ca")
    if settings.tls_key and not settings.tls_cert:
        raise CliError("--tls-key needs --tls-cert")
    try:
        tls_context(settings)
    except (ssl.SSLError, OSError) as exc:
        raise CliError(
            f"--tls-cert {settings.tls_cert} / --tls-key {settings.tls_key or '(in the cert file)'}: "
            f"cannot load: {getattr(exc, 'reason', None) or exc}"
        ) from None


def _settings_documents_load(settings: Settings) -> bool:
    """Check the policy set and loyalty program before listening: a bad one is reported, not a traceback."""
    try:
        load_policy_file(settings.policy_path)
        load_loyalty_program(settings.loyalty_program_path)
    except PolicyInvalid as exc:
        print(f"error: {settings.policy_path}: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return False
    except (OSError, ValueError, GatewayError) as exc:
        print(f"error: cannot load the settings documents: {exc}", file=sys.stderr)
        return False
    return True


def _loopback_unless_credentials(settings: Settings) -> Settings:
    """With no credential configured nobody is authenticated, so nobody but this machine may connect."""
    return settings if settings.credentials else dataclasses.replace(settings, host="127.0.0.1")


def tls_context(settings: Settings) -> ssl.SSLContext | None:
    """HTTPS when a certificate is configured; client certificates verified against client_ca when given."""
    if not settings.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key or None)
    if settings.client_ca:
        context.load_verify_locations(settings.client_ca)
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def listen(settings: Settings) -> socket.socket:
    """A listening socket, or one line saying why there cannot be one."""
    try:
        return _listen(settings)
    except socket.gaierror:
        raise CliError(f"--host {settings.host} is not a known address; give an address of this machine") from None
    except OSError as exc:
        raise _listen_error(settings, exc) from None


def _listen_error(settings: Settings, exc: OSError) -> CliError:
    where = f"{settings.host}:{settings.port}"
    if exc.errno == errno.EADDRINUSE:
        return CliError(f"cannot listen on {where}: the port is in use; stop the other server or choose --port", 1)
    if exc.errno == errno.EADDRNOTAVAIL:
        return CliError(f"--host {settings.host} is not an address of this machine; give one of its addresses")
    if exc.errno == errno.EACCES:
        return CliError(f"cannot listen on {where}: permission denied; choose a --port above 1023", 1)
    return CliError(f"cannot listen on {where}: {exc.strerror or exc}", 1)


def _listen(settings: Settings) -> socket.socket:
    """A listening socket; SO_REUSEPORT lets several worker processes share the port."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if settings.workers > 1:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(1024)
    return sock


def serve_one(settings: Settings, sock: socket.socket) -> None:
    """Serve until SIGINT/SIGTERM; in-flight requests finish before the database closes."""
    context = tls_context(settings)
    LOG.info("listening on %s://%s:%s", "https" if context else "http", settings.host, settings.port)
    app = create_app(settings)
    app.on_startup.append(settle_heap)
    app.on_shutdown.append(ignore_further_signals)
    web.run_app(
        app,
        sock=sock,
        ssl_context=context,
        access_log=ACCESS,
        access_log_class=AccessLogger,
        shutdown_timeout=DRAIN_SECONDS,
        print=None,
    )


async def ignore_further_signals(app: web.Application) -> None:
    """Once shutting down, a second SIGTERM or Ctrl-C is noted, not obeyed: interrupting the drain would leave the
    database's threads running (use SIGKILL to stop at once)."""
    LOG.info("shutting down: draining in-flight requests (up to %.0f seconds)", DRAIN_SECONDS)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, LOG.info, "already shutting down")


async def settle_heap(app: web.Application) -> None:
    """Once the schemas, policy and store are loaded, keep them out of every later collection (a full collection
    would pause every request in flight)."""
    settle()


def _worker(settings: Settings) -> None:
    configure(settings.log_format)
    serve_one(settings, listen(settings))


def _serve_many(settings: Settings) -> int:
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_worker, args=(settings,), daemon=False) for _ in range(settings.workers)]
    for process in workers:
        process.start()
    LOG.info("started %d workers on http://%s:%s", len(workers), settings.host, settings.port)

    def stop(_signum: int, _frame: object) -> None:
        for process in workers:
            if process.pid is not None and process.is_alive():
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for process in workers:
        process.join()
    return 0 if all(process.exitcode in (0, -signal.SIGTERM) for process in workers) else 1
