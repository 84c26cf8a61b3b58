"""The only package that imports boto3: it implements the port to Amazon Connect (`Connect`).

Clients per credentials and Region, one shared rate limiter, paginated reads into a `LiveInstance`
snapshot, the single reads apply needs, the two writes, and the translation of botocore failures
into `ConnectCallError`. Everything above it works on plain values, so planning, applying and
rendering are testable without a network; integration tests swap AWS for the project's own
emulator through the standard endpoint settings, never by mocking boto3.
"""

from reconciler.connect.adapter import Connect
from reconciler.connect.clients import ClientFactory, Target
from reconciler.connect.ratelimit import RateLimiter

__all__ = ["ClientFactory", "Connect", "RateLimiter", "Target"]
