"""The activity kit: what every playbook (秒杀, 拼团, 砍价, 预售, 助力 ...) shares.

- ``models.Activity``: the abstract activity (name, status, window) and the active/paused/ended
  machine most playbooks use;
- ``playbook.Playbook``: what the kit knows of one playbook (its model, its stats selector, the
  checks and follow-ups of its status verbs), built once in the playbook's ``playbook.py``;
- ``services.set_status``: the one status service (publish/pause/resume/end), permission,
  merchant-scoped lookup and audit row included;
- ``stats``: ``ActivityStats``, the typed numbers every playbook's stats selector returns, and
  ``sales_figures``, the order-line figures they share.

The admin routes (create/list/get/patch/verbs/stats) come from ``siyu.api.promotions.activity_routes``
(an entry point, so it lives in the API layer). ``docs/architecture.md`` ("Adding a playbook") walks
through a new playbook.
"""
