"""The web app: agent workspace (``/``), customer portal (``/portal``) and dashboards, built
from ``designer/frontend/`` into ``designer/static/`` and served by :mod:`designer.web`."""

from designer.web import install_web_app

__all__ = ["install_web_app"]
