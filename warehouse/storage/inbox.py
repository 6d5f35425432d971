"""Landing, archive, quarantine and reports on a local path (the default) or on object storage through
fsspec (PLACEMENTS_LANDING_URL=s3://bucket/prefix or az://container/prefix)."""

from __future__ import annotations


class LandingUnreachable(RuntimeError):
    """The configured bucket or container cannot be listed or refuses the credentials (exit code 2)."""
