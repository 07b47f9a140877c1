"""Periodic jobs: APScheduler fires on an interval and only *enqueues* a task.

The work runs in the task workers, so many workers share it and a slow job never blocks the
clock. Run exactly one scheduler per deployment (``siyu worker --with-scheduler`` or
``siyu scheduler``); the jobs are idempotent, so a brief overlap during a deploy is harmless.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# name in settings.SIYU_SCHEDULE_SECONDS -> task path
PERIODIC_TASKS = {
    "cancel_unpaid_orders": "siyu.orders.tasks.cancel_unpaid_orders",
    "auto_confirm_receipts": "siyu.orders.tasks.auto_confirm_receipts",
    "auto_complete_orders": "siyu.orders.tasks.auto_complete_orders",
    "expire_group_buy_teams": "siyu.promotions.groupbuy.tasks.expire_group_buy_teams",
    "expire_bargain_records": "siyu.promotions.bargain.tasks.expire_bargain_records",
    "expire_campaign_entries": "siyu.promotions.campaigns.tasks.expire_campaign_entries",
    "issue_pending_rewards": "siyu.promotions.campaigns.tasks.issue_pending_rewards",
    "settle_presales": "siyu.promotions.presale.tasks.settle_presales",
    "advance_flash_sales": "siyu.promotions.flashsale.tasks.advance_flash_sales",
    "ensure_event_partitions": "siyu.events.tasks.ensure_event_partitions",
    "refresh_segments": "siyu.audience.tasks.refresh_segments",
    "recompute_tag_rules": "siyu.audience.tasks.recompute_tag_rules",
    "expire_points": "siyu.members.loyalty.tasks.expire_points",
    "evaluate_member_tiers": "siyu.members.loyalty.tasks.evaluate_member_tiers",
    "issue_birthday_coupons": "siyu.members.loyalty.tasks.issue_birthday_coupons",
    "recompute_values": "siyu.audience.values.tasks.recompute_values",
    "reconcile_wechat_pay": "siyu.wechat.pay.tasks.reconcile_wechat_pay",
    "settle_wechat_refunds": "siyu.wechat.pay.tasks.settle_wechat_refunds",
    "sync_wecom_tags": "siyu.wechat.wecom_groups.tasks.sync_wecom_tags",
    "sync_wecom_groups": "siyu.wechat.wecom_groups.tasks.sync_wecom_groups",
    "poll_wecom_transfers": "siyu.wechat.wecom.tasks.poll_transfers",
    "poll_wecom_send_results": "siyu.reach.channels.wecom_results.poll_wecom_send_results",
    "dispatch_messages": "siyu.reach.tasks.dispatch_messages",
}


def _enqueue(path: str) -> None:
    close_old_connections()
    try:
        import_string(path).enqueue()
    except Exception:  # a failed enqueue must not stop the clock; the next tick retries
        log.exception("could not enqueue %s", path)
    finally:
        close_old_connections()


def build(*, blocking: bool) -> BackgroundScheduler | BlockingScheduler:
    scheduler = BlockingScheduler() if blocking else BackgroundScheduler()
    for name, path in PERIODIC_TASKS.items():
        seconds = settings.SIYU_SCHEDULE_SECONDS[name]
        scheduler.add_job(
            _enqueue, "interval", seconds=seconds, args=[path], id=name, coalesce=True, max_instances=1
        )
    return scheduler
