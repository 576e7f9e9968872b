"""Typed dependencies: heavy objects live on app.state, handed out per request.

They are `async def` on purpose: FastAPI runs a plain `def` dependency in the thread pool, a
thread hop per dependency per request for what is an attribute read.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from index.newsindex import NewsIndex
from service.answering.answers import AnswerService
from service.answering.conversations import Conversations
from service.config import Settings


async def get_index(request: Request) -> NewsIndex:
    index: NewsIndex | None = getattr(request.app.state, "index", None)
    if index is None:
        raise HTTPException(503, "the index is still loading")
    return index


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with (create_app puts them on app.state)."""
    settings: Settings = request.app.state.settings
    return settings


IndexDep = Annotated[NewsIndex, Depends(get_index)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


async def get_answers(request: Request) -> AnswerService:
    answers: AnswerService | None = getattr(request.app.state, "answers", None)
    if answers is None:
        raise HTTPException(503, "the index is still loading")
    return answers


async def get_conversations(request: Request) -> Conversations:
    conversations: Conversations = request.app.state.conversations
    return conversations


AnswersDep = Annotated[AnswerService, Depends(get_answers)]
ConversationsDep = Annotated[Conversations, Depends(get_conversations)]
