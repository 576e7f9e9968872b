"""Typed dependencies: heavy objects live on app.state, handed out per request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from index.store import NewsIndex
from service.answering.answers import AnswerService
from service.answering.conversations import Conversations
from service.config import Settings, get_settings


def get_index(request: Request) -> NewsIndex:
    index: NewsIndex | None = getattr(request.app.state, "index", None)
    if index is None:
        raise HTTPException(503, "the index is still loading")
    return index


IndexDep = Annotated[NewsIndex, Depends(get_index)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_answers(request: Request) -> AnswerService:
    answers: AnswerService | None = getattr(request.app.state, "answers", None)
    if answers is None:
        raise HTTPException(503, "the index is still loading")
    return answers


def get_conversations(request: Request) -> Conversations:
    conversations: Conversations = request.app.state.conversations
    return conversations


AnswersDep = Annotated[AnswerService, Depends(get_answers)]
ConversationsDep = Annotated[Conversations, Depends(get_conversations)]
