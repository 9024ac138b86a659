"""`python -m aai_gateway demo`: the `aai-gateway` command line.

The command lives in `aai_gateway_demo`, which imports both adapters, so it stays
outside the core's import graph and is started here by module name.
"""

from __future__ import annotations

import runpy

runpy.run_module("aai_gateway_demo", run_name="__main__", alter_sys=True)
