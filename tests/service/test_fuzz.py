"""Schemathesis against the app's own OpenAPI schema: no 5xx, every response as documented."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from index.models import Document
from index.newsindex import NewsIndex
from service.config import Settings
from service.main import create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api_schema(
    embedder: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[schemathesis.BaseSchema]:
    """A running app over a small index of its own: the fuzzer writes and deletes freely."""
    index = NewsIndex(tmp_path_factory.mktemp("fuzz"), embedder)  # type: ignore[arg-type]
    index.upsert(
        [
            Document("harbin", "Putin will open the China-Russia Expo in Harbin.", source="Xinhua"),
            Document("trade", "Trade reached $244.8 billion in 2024.", date="2025-05-05"),
        ]
    )
    settings = Settings(
        index_dir=index.corpus.directory, seed_dir=None, llm_max_retries=0, llm_timeout=0.5
    )
    app = create_app(settings, index=index)
    with TestClient(app):  # runs the lifespan, so app.state holds the index and answerers
        yield schemathesis.openapi.from_asgi("/openapi.json", app)
    index.close()


# Examples per operation: 13 operations x 40 stays well inside the suite's time budget.
EXAMPLES = 40
# What a schema cannot say: a date range that ends before it starts, an uploaded file whose
# bytes are no article in a readable format, an LLM no provider installed here runs (providers
# are plugins, and a provider knows its own models), a watched question with no word the
# analyzer keeps (a watch that could never match), a BM25 watch without a threshold (BM25
# scores have no scale to default on) or a hybrid one whose threshold one side alone reaches.
# Each is refused with a 422 saying so; any other refusal of schema-valid data still fails.
BEYOND_SCHEMA = re.compile(
    r"date_from \S+ is after date_to|no file could be read|unknown LLM|unknown local model"
    r"|has no word an? \S+ search can match|watch needs a threshold"
    r"|is one side's best at most"
)


def accepted(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """schemathesis' positive-data check, less the rules above."""
    if response.status_code == 422 and BEYOND_SCHEMA.search(response.json()["message"]):
        return None
    return schemathesis.checks.positive_data_acceptance(ctx, response, case)


def test_the_api_honours_its_own_schema(api_schema: schemathesis.BaseSchema) -> None:
    calls: dict[str, int] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,  # the same cases every run: CI stays reproducible
        )
        def fuzz(case: schemathesis.Case) -> None:
            # Called at once, inside this iteration: the loop variable is the right one.
            label = operation.label  # noqa: B023
            calls[label] = calls.get(label, 0) + 1
            case.call_and_validate(
                excluded_checks=[schemathesis.checks.positive_data_acceptance],
                additional_checks=[accepted],
            )

        fuzz()
    assert len(calls) >= 10 and all(count > 0 for count in calls.values())
    print(f"fuzz: {sum(calls.values())} calls over {len(calls)} operations")
