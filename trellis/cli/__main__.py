"""``python -m trellis.cli``: the same command as ``trellis``."""

from trellis.cli import main

main()
