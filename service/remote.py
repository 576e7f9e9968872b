"""A running server as the writer of its index: what `newsrag index` (and follow, watch, docs
delete) write through while `newsrag serve` owns the index directory."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from urllib.parse import quote

import httpx

from index.models import Document
from index.newsindex import UpsertReport

BATCH = 32  # documents per request: a failure names a small batch, progress stays visible
BATCH_BYTES = 2 * 1024 * 1024  # and text per request, well under NEWSRAG_MAX_BODY_BYTES' default


class RemoteError(RuntimeError):
    """The server refused a write or could not be reached; the message says which and why."""


class RemoteIndex:
    def __init__(self, url: str, api_key: str | None = None, timeout: float = 300.0) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._client = httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def upsert(self, docs: Iterable[Document]) -> UpsertReport:
        report = UpsertReport()
        for batch in _batches(docs):
            done = self._send("POST", "/documents", [_json(doc) for doc in batch]).json()
            report.added += done["added"]
            report.replaced += done["replaced"]
            report.unchanged += done["unchanged"]
            report.chunks += done["chunks"]
        return report

    def delete(self, doc_id: str) -> bool:
        response = self._send("DELETE", f"/documents/{quote(doc_id, safe='')}", ok=(404,))
        return response.status_code != 404

    def _send(
        self, method: str, path: str, body: object = None, ok: tuple[int, ...] = ()
    ) -> httpx.Response:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                response = self._client.request(method, path, json=body)
            except httpx.HTTPError as exc:
                raise RemoteError(f"cannot reach the server at {self.url}: {exc}") from exc
            if not _starting(response) or time.monotonic() > deadline:
                break
            time.sleep(float(response.headers.get("Retry-After", 1)))  # it is still loading
        if response.is_success or response.status_code in ok:
            return response
        try:
            detail = response.json().get("message", response.text)
        except ValueError:
            detail = response.text
        raise RemoteError(f"the server at {self.url} refused ({response.status_code}): {detail}")

    def close(self) -> None:
        self._client.close()


def _starting(response: httpx.Response) -> bool:
    """The server's 503 while it loads (service.startup): wait, do not fail."""
    if response.status_code != 503:
        return False
    try:
        return bool(response.json().get("error") == "starting")
    except ValueError:
        return False


def _batches(docs: Iterable[Document]) -> Iterator[list[Document]]:
    batch: list[Document] = []
    size = 0
    for doc in docs:
        if batch and (len(batch) == BATCH or size + len(doc.text) > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(doc)
        size += len(doc.text)
    if batch:
        yield batch


def _json(doc: Document) -> dict[str, str | None]:
    return {
        "id": doc.id,
        "text": doc.text,
        "title": doc.title,
        "date": doc.date,
        "source": doc.source,
        "url": doc.url,
    }
