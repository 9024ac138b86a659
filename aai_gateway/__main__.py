"""`python -m aai_gateway batch|demo`: the `aai-gateway` command line (`aai_gateway._cli`)."""

from __future__ import annotations

from aai_gateway._cli import main

raise SystemExit(main())
