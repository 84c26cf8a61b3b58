"""``python -m reconciler.emulator``: the emulator command without the main CLI."""

from reconciler.emulator.cli import emulator_command

if __name__ == "__main__":
    emulator_command()
