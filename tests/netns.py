"""Hosts on one machine: network namespaces joined to a bridge in the root namespace by veth pairs (as root, with
`ip netns` and `ip link`), each with its own address, so that processes started in them talk over a network."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass


def unavailable() -> str | None:
    """Why namespaces cannot be made here, or None when they can (tried with a probe namespace)."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is not installed"
    probe = f"rgprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        return f"ip netns add failed here: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True, check=False)
    return None


def ip(*arguments: str) -> None:
    done = subprocess.run(["ip", *arguments], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(arguments)}: {done.stderr.strip()}")


@dataclass(frozen=True, slots=True)
class Host:
    """A namespace and its address on the test network."""

    namespace: str
    address: str

    def command(self, *arguments: str) -> list[str]:
        """A command run inside the namespace (ip netns exec replaces itself with the command: same process)."""
        return ["ip", "netns", "exec", self.namespace, *arguments]


@dataclass(frozen=True, slots=True)
class Network:
    """The bridge's address (the root namespace, where the tills run) and the hosts."""

    gateway_address: str
    subnet: str
    hosts: dict[str, Host]


@contextlib.contextmanager
def network(names: tuple[str, ...]) -> Iterator[Network]:
    """Namespaces named after the hosts, on 10.231.N.0/24 (N from the process id) with the bridge at .1; all
    removed afterwards, whatever happened."""
    tag = os.getpid() % 50000
    third = 16 + tag % 200
    bridge = f"rgbr{tag}"
    subnet = f"10.231.{third}.0/24"
    hosts = {name: Host(f"rg{tag}-{name}", f"10.231.{third}.{number}") for number, name in enumerate(names, start=2)}
    made: list[str] = []
    try:
        ip("link", "add", bridge, "type", "bridge")
        made.append(bridge)
        ip("addr", "add", f"10.231.{third}.1/24", "dev", bridge)
        ip("link", "set", bridge, "up")
        for index, host in enumerate(hosts.values()):
            ip("netns", "add", host.namespace)
            made.append(host.namespace)
            outside = f"rgv{tag}x{index}"
            ip("link", "add", outside, "type", "veth", "peer", "name", "eth0", "netns", host.namespace)
            ip("link", "set", outside, "master", bridge)
            ip("link", "set", outside, "up")
            ip("-n", host.namespace, "addr", "add", f"{host.address}/24", "dev", "eth0")
            ip("-n", host.namespace, "link", "set", "eth0", "up")
            ip("-n", host.namespace, "link", "set", "lo", "up")
        yield Network(f"10.231.{third}.1", subnet, hosts)
    finally:
        for name in reversed(made):
            if name == bridge:
                subprocess.run(["ip", "link", "del", bridge], capture_output=True, check=False)
            else:
                _kill_namespace(name)
                subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)


def _kill_namespace(namespace: str) -> None:
    """Kill whatever still runs in the namespace (a gateway or server a failed test left behind)."""
    listed = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True, check=False)
    for pid in listed.stdout.split():
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid), 9)
