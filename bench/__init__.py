"""Siyu's benchmark harness: ``python -m bench.run`` measures HTTP servers and the stock path.

The numbers behind the stack choices in the architecture (granian WSGI as the server, conditional
updates for stock) must be re-measurable on any machine, so the harness lives in the repo and
starts, loads and stops everything itself. See ``docs/benchmarks.md``.
"""
