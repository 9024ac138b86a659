"""Everything about transcripts; the public names are in `aai_gateway.transcripts`.

This package's `__init__` imports nothing, so the HTTP client can use the REST
methods here while the document loader (above the client) uses the client.
"""
