"""Tests of the source followers: feeds, pages, folders."""
