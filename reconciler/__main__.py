"""The entry point of `reconciler` (the console script) and of `python -m reconciler`.

It imports nothing heavy itself, so that Ctrl-C while the CLI is still being imported (click,
pydantic, boto3 take a moment on a cold machine) is caught here and shown as one line, like
Ctrl-C at any later point, instead of a traceback.
"""

import sys


def main() -> None:
    """Run the CLI; an interrupt before it starts is one line and exit 1 (the CLI's contract)."""
    try:
        from reconciler.cli import main as run_cli
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(1)
    run_cli()


if __name__ == "__main__":
    main()
