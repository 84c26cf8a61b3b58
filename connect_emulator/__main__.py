"""``python -m connect_emulator``: the emulator command without the main CLI."""

from connect_emulator.cli import emulator_command

if __name__ == "__main__":
    emulator_command()
