"""Serves the index: HTTP API, answering, chat and the command line."""
