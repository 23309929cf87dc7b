"""The HTTP API, a thin layer over the runtime: :func:`create_app` builds it."""

from engine.api.app import create_app

__all__ = ["create_app"]
