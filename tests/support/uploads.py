"""Feeding the streamed-upload handlers in state tests, the way Reflex's upload route does."""

from __future__ import annotations

from reflex_components_core.core._upload import UploadChunk

from tests.conftest import run_async

CHUNK = 64 * 1024


async def chunk_stream(files: list[tuple[str, bytes]]):
    """An async iterator of upload chunks (filename, offset, data), file after file."""
    for name, data in files:
        if not data:
            yield UploadChunk(filename=name, offset=0, content_type="application/octet-stream", data=b"")
        for offset in range(0, len(data), CHUNK):
            yield UploadChunk(filename=name, offset=offset, content_type="application/octet-stream",
                              data=data[offset:offset + CHUNK])


class FakeUpload:
    """What Reflex hands a buffered upload handler (rx.UploadFile): a name and bytes read a piece at a time.

    It records every `read(n)` asked for (`reads`) and how many bytes it handed out (`served`); with
    `refuse=True` any read raises, for handlers that must not touch the file at all."""

    def __init__(self, data: bytes, name: str, *, refuse: bool = False):
        self._data, self.filename, self.name = data, name, name
        self._pos, self.refuse = 0, refuse
        self.reads: list[int] = []
        self.served = 0

    async def read(self, n: int = -1) -> bytes:
        self.reads.append(n)
        if self.refuse:
            raise AssertionError(f"{self.name} was read")
        end = len(self._data) if n < 0 else self._pos + n
        piece = self._data[self._pos:end]
        self._pos += len(piece)
        self.served += len(piece)
        return piece


def run_upload(state, handler_name: str, files: list[tuple[str, bytes]]) -> list:
    """Run a background upload handler of `state` with these files (Reflex refuses direct calls of
    background events, so its function is called on the state); returns the events it yielded."""
    fn = getattr(type(state), handler_name).fn

    async def drain():
        out = []
        result = fn(state, chunk_stream(files))
        if hasattr(result, "__aiter__"):
            async for event in result:
                out.append(event)
        else:
            await result
        return out

    return run_async(drain())


def at(state, path: str) -> None:
    """Put the browser on `path` (with its query string) for an on_load handler."""
    from urllib.parse import parse_qsl, urlsplit

    from reflex.istate.data import RouterData

    parts = urlsplit(path)
    state.router = RouterData.from_router_data({"pathname": parts.path, "asPath": path,
                                                "query": dict(parse_qsl(parts.query)),
                                                "headers": {"origin": "http://localhost:3000"}})
