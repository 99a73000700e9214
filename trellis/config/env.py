"""Small typed helpers that read Trellis' configuration from the environment."""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a whole number, got {raw!r}.") from exc
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_list(name: str, default: str) -> list[str]:
    """A comma-separated list; empty entries are dropped."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_networks(name: str) -> list[str]:
    """A comma-separated list of IP addresses or networks (``10.0.0.5``, ``10.0.0.0/8``)."""
    networks = env_list(name, "")
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            raise ValueError(f"{name} must list IP addresses or networks, got {network!r}.") from exc
    return networks


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def trellis_home() -> Path:
    """The folder holding the SQLite database, the data directory and generated secrets."""
    home = Path(env_str("TRELLIS_HOME", "var")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def secret(name: str, env_name: str, home: Path) -> str:
    """A deployment secret: from the environment, else generated once into ``home/secrets``.

    Generated secrets are written with owner-only permissions so that a demo or a single-server
    install keeps working across restarts without anyone having to invent a key.
    """
    given = os.environ.get(env_name)
    if given:
        return given
    folder = home / "secrets"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
