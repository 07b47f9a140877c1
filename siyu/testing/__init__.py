"""Test support shared by every app's tests (pytest plugins, browser fixtures)."""
