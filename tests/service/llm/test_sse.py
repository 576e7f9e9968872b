"""Line splitting and data extraction, where network chunks fall anywhere."""

from __future__ import annotations

import pytest

from service.llm.base import LLMProtocolError
from service.llm.sse import iter_data, iter_lines


def test_lines_survive_chunks_split_anywhere() -> None:
    body = "data: é\r\n\r\n: ping\ndata: [DONE]".encode()
    for cut in range(1, len(body)):
        assert list(iter_lines([body[:cut], body[cut:]])) == [
            "data: é",
            "",
            ": ping",
            "data: [DONE]",
        ]


def test_only_data_payloads_come_through() -> None:
    lines = [": ping", "", "event: message", "id: 7", "data: {}", "data:{}", "data:", "data"]
    assert list(iter_data(lines)) == ["{}", "{}", "", ""]


def test_a_line_without_end_is_refused() -> None:
    with pytest.raises(LLMProtocolError, match="longer than"):
        list(iter_lines(b"x" * 4096 for _ in range(300)))
