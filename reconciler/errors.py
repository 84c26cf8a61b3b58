"""The one exception family the CLI turns into a one-line message and exit code 1.

Anything raised as a `ReconcilerError` is an expected failure with a message written for the user
(a bad file, a name that matches nothing, an unreachable endpoint). Anything else is a bug: the CLI
still prints one line, never a traceback, unless RECONCILER_DEBUG=1 asks for it.
"""

from __future__ import annotations


class ReconcilerError(Exception):
    """An expected failure whose message is fit to show the user as is."""
