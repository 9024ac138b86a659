"""`python -m aai_gateway_demo demo`: the `aai-gateway` command line."""

from __future__ import annotations

from aai_gateway_demo import main

raise SystemExit(main())
