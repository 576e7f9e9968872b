"""Typed dependencies: heavy objects live on app.state, handed out per request.

They are `async def` on purpose: FastAPI runs a plain `def` dependency in the thread pool, a
thread hop per dependency per request for what is an attribute read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request

from index.newsindex import NewsIndex
from index.watching import Watching
from service.answering.answers import AnswerService
from service.answering.conversations import Conversations
from service.config import Settings
from service.watch_events import Hub


def loaded(request: Request, name: str) -> Any:
    """What start-up put on app.state as `name`; 503 until it has (see service.startup)."""
    found = getattr(request.app.state, name, None)
    if found is None:
        raise HTTPException(503, "the index is still loading")
    return found


async def get_index(request: Request) -> NewsIndex:
    index: NewsIndex = loaded(request, "index")
    return index


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with (create_app puts them on app.state)."""
    settings: Settings = request.app.state.settings
    return settings


async def get_answers(request: Request) -> AnswerService:
    answers: AnswerService = loaded(request, "answers")
    return answers


async def get_conversations(request: Request) -> Conversations:
    conversations: Conversations = loaded(request, "conversations")
    return conversations


async def get_watching(request: Request) -> Watching:
    watching: Watching = loaded(request, "watching")
    return watching


async def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


IndexDep = Annotated[NewsIndex, Depends(get_index)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
AnswersDep = Annotated[AnswerService, Depends(get_answers)]
ConversationsDep = Annotated[Conversations, Depends(get_conversations)]
WatchingDep = Annotated[Watching, Depends(get_watching)]
HubDep = Annotated[Hub, Depends(get_hub)]
