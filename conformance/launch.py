"""The `conformance` command's entry point: imports nothing heavy before Ctrl-C can be answered.

Importing the CLI (DuckDB, jsonschema, the readers) takes a noticeable moment; a Ctrl-C in it would end
in a KeyboardInterrupt traceback. Here it ends like any interrupted run: one line, exit code 130."""

from __future__ import annotations

import sys

INTERRUPTED = 130


def main() -> int:
    """Import the CLI and run it; an interrupt at any moment exits 130 with a short message."""
    try:
        from conformance.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:
        sys.stderr.write("conformance: interrupted\n")
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
