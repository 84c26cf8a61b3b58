"""The only package that imports boto3: clients, rate limiting, paginated reads and the two writes.

Everything above it works on plain values (`reconciler.planning.live`, `reconciler.planning.plan`), so
planning and rendering are testable without a network, and integration tests swap AWS for the
project's own emulator through the standard endpoint settings, never by mocking boto3.
"""

from reconciler.connect.clients import ClientFactory, Target
from reconciler.connect.errors import ConnectCallError
from reconciler.connect.ratelimit import RateLimiter

__all__ = ["ClientFactory", "ConnectCallError", "RateLimiter", "Target"]
