"""connect-reconciler: keep Amazon Connect traffic distributions and queue caller configs equal to git."""

__version__ = "0.1.0"
