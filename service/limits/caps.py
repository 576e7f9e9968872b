"""Hard caps on a request, in a module of its own so the settings can import them (the schemas
import the settings through the LLM registry): the schema enforces them, and NEWSRAG_MAX_K and
NEWSRAG_MAX_QUERY_CHARS may only lower them."""

from __future__ import annotations

MAX_K = 100
DEFAULT_K = 5  # passages when a request names no k (lowered to NEWSRAG_MAX_K if above it)
MAX_QUERY_CHARS = 2000
