"""Is a port free to serve on? Standard library only: ``make demo`` asks before anything is installed.

    python -m trellis.config.ports PORT     exits 0 when free, 1 (with a message) when not
"""

from __future__ import annotations

import socket
import sys


def port_problem(host: str, port_text: str) -> str:
    """Why Trellis cannot serve on ``host:port``, in plain words, or "" when it can."""
    try:
        port = int(port_text)
    except ValueError:
        return f"PORT must be a number, such as 8000 (got {port_text!r})."
    if not 1 <= port <= 65535:
        return f"PORT must be between 1 and 65535 (got {port})."
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return (f"Port {port} is already in use by another program, so Trellis cannot serve on it. "
                    f"Stop that program, or choose another port: make demo PORT={port + 10}")
    return ""


def main(argv: list[str]) -> int:
    port = argv[1] if len(argv) > 1 else "8000"
    problem = port_problem("127.0.0.1", port)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
