"""A real gateway in a subprocess on a free port, for tests that drive it as a user would."""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    cwd: Path, *options: str, scheme: str = "http", port: int | None = None, ca: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A gateway subprocess on a free port; its output goes to cwd/server.log."""
    port = port or free_port()
    with (cwd / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port), *options],
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"{scheme}://127.0.0.1:{port}"
        try:
            _wait_ready(base, process, cwd / "server.log", ca)
            yield base, process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)


@contextmanager
def serving_together(
    folders: list[Path], *options: str, env: dict[str, str] | None = None
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """Gateway subprocesses started at the same moment (so that they migrate and set up the database together),
    each on its own free port with its output in its folder's server.log; stopped with SIGTERM afterwards."""
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
            port = free_port()
            with (folder / "server.log").open("wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "gateway", "serve", "--port", str(port), *options],
                    cwd=folder,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=None if env is None else {**os.environ, **env},
                )
            started.append((f"http://127.0.0.1:{port}", process))
        for folder, (base, process) in zip(folders, started, strict=True):
            _wait_ready(base, process, folder / "server.log", None)
        yield started
    finally:
        for _, process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path, ca: Path | None) -> None:
    context = ssl.create_default_context(cafile=str(ca)) if ca else None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(log.read_text())
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=1, context=context) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):  # refused, reset, or a probe that timed out on a busy machine
            time.sleep(0.1)
    raise AssertionError("server did not become ready")
