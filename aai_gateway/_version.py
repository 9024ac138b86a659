"""The package version, importable without the package root."""

from __future__ import annotations

__version__ = "0.1.0"
