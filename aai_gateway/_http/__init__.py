"""The HTTP machinery: request building, sync and async shells, transport, SSE.

`base` holds what both clients share and decide without I/O; `attempts` the
retry loop's decisions and its log; `client` the sync and async shells;
`transport` the pooled connections (httpx, or aiohttp for the async client);
`sse` the event decoder; `streaming` turns events into chunks and one answer;
`body` encodes request bodies.
"""
