"""Server-sent events, read leniently: what OpenAI-compatible servers actually send.

Each `data:` line is taken as one payload rather than joining multi-line events as the
SSE spec would: no chat server splits a JSON chunk over lines, but some forget the blank
line between events, and joining those would turn two good chunks into one bad one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from service.llm.base import LLMProtocolError

MAX_LINE = 1 << 20  # a "line" this long is a server gone wrong, not a chunk


def iter_lines(chunks: Iterable[bytes]) -> Iterator[str]:
    """Split a byte stream into lines ending in LF or CRLF, each decoded as strict UTF-8."""
    buffer = b""
    for chunk in chunks:
        *lines, buffer = (buffer + chunk).split(b"\n")
        if len(buffer) > MAX_LINE:
            raise LLMProtocolError(f"stream line longer than {MAX_LINE} bytes")
        yield from (_decode(line) for line in lines)
    if buffer:
        yield _decode(buffer)


def iter_data(lines: Iterable[str]) -> Iterator[str]:
    """The payload of every `data:` line; comments (`: ping`), blanks and other fields skipped."""
    for line in lines:
        name, _, value = line.partition(":")
        if name == "data":
            yield value.removeprefix(" ")


def _decode(line: bytes) -> str:
    try:
        return line.removesuffix(b"\r").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LLMProtocolError(f"stream is not UTF-8: {exc.reason} at byte {exc.start}") from exc
