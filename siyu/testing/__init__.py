"""Test support shared by every app's tests: pytest plugins, and the factories, flows, snapshots and
worlds that tests import (conftest.py files only wire them into fixtures)."""
