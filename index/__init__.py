"""Builds the index: read → chunk → embed → store."""
