"""End-to-end tests in a real browser.

A package, so that its conftest is imported as `browser.conftest` and the name `conftest`
keeps meaning tests/conftest.py, which other test modules import from.
"""
