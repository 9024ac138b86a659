"""`python -m aai_gateway demo`."""

from __future__ import annotations

from aai_gateway._demo import main

raise SystemExit(main())
