"""The limits of API mode's requests, apart from the client: a run's options carry them, and importing
them must not import `requests` (a file run never needs it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Limits of every request; recorded in the result (never the token)."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 30.0
    max_bytes: int = 64 * 1024**2
    retries: int = 2
    backoff: float = 0.5
    retry_after_cap: float = 10.0
    rate_limit: float | None = None
    verify: bool = True
    ca_bundle: str | None = None
    give_up_after: int = 3

    def to_dict(self) -> dict[str, object]:
        """JSON form for the result's options."""
        return {
            "connect_timeout": self.connect_timeout, "read_timeout": self.read_timeout, "deadline": self.deadline,
            "max_bytes": self.max_bytes, "retries": self.retries, "rate_limit": self.rate_limit,
            "tls_verify": self.verify, "insecure": not self.verify, "ca_bundle": self.ca_bundle,
        }
