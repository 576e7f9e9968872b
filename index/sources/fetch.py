"""Bounded HTTP GETs: a slow, huge, looping or wrongly typed answer is an error, never a hang."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from index.sources.base import SourceError

USER_AGENT = "newsrag/0.1 (+feeds)"
# Article pages we can read; anything else (PDF, images, archives) is refused unread.
PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = 10.0  # seconds for a whole fetch, body included
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects, so relative links resolve against the right page
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def media_type(self) -> str:
        """`text/html` of `text/HTML; charset=utf-8`; empty when the server sent none."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    @property
    def charset(self) -> str:
        _, _, params = self.headers.get("content-type", "").partition("charset=")
        return params.split(";", 1)[0].strip().strip("\"'") or "utf-8"


class Fetcher:
    """One connection pool for every feed and page of a follower."""

    def __init__(self, limits: FetchLimits, transport: httpx.BaseTransport | None = None) -> None:
        self.limits = limits
        self._client = httpx.Client(
            timeout=limits.timeout,
            follow_redirects=True,
            max_redirects=limits.max_redirects,
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )

    def get(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        types: frozenset[str] | None = None,
    ) -> Fetched:
        """GET `url`; a 304 comes back as is, every other failure is a SourceError."""
        deadline = time.monotonic() + self.limits.timeout
        try:
            with self._client.stream("GET", url, headers=headers) as response:
                return self._read(url, response, types, deadline)
        except httpx.TooManyRedirects as exc:
            raise SourceError(url, f"more than {self.limits.max_redirects} redirects") from exc
        except httpx.TimeoutException as exc:
            raise SourceError(url, f"no answer within {self.limits.timeout:g} s") from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise SourceError(url, f"{type(exc).__name__}: {exc}") from exc

    def _read(
        self, url: str, response: httpx.Response, types: frozenset[str] | None, deadline: float
    ) -> Fetched:
        fetched = Fetched(str(response.url), response.status_code, response.headers, b"")
        if response.status_code == 304:
            return fetched
        if response.status_code >= 400:
            raise SourceError(url, f"HTTP {response.status_code} {response.reason_phrase}")
        if types is not None and fetched.media_type not in types:
            kind = fetched.media_type or "no content type"
            raise SourceError(url, f"not an article page ({kind})")
        body = self._body(url, response, deadline)
        return Fetched(fetched.url, fetched.status, fetched.headers, body)

    def _body(self, url: str, response: httpx.Response, deadline: float) -> bytes:
        """Streamed, stopping past the size limit or the deadline (a trickle evades timeouts)."""
        most = self.limits.max_bytes
        if _declared_size(response) > most:
            raise SourceError(url, f"larger than {most} bytes")
        parts: list[bytes] = []
        size = 0
        for part in response.iter_bytes():
            size += len(part)
            if size > most:
                raise SourceError(url, f"larger than {most} bytes")
            if time.monotonic() > deadline:
                raise SourceError(url, f"not received within {self.limits.timeout:g} s")
            parts.append(part)
        return b"".join(parts)

    def close(self) -> None:
        self._client.close()


def _declared_size(response: httpx.Response) -> int:
    """Content-Length when the server states one we can read; 0 otherwise (then we count)."""
    try:
        return int(response.headers.get("content-length", "0"))
    except ValueError:
        return 0
