"""Measures retrieval and answering quality over the same index components the service uses."""
