"""Answers with citations: extractive by default, any chat-completions LLM on request."""
