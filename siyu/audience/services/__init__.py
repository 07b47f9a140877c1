"""Use cases of the audience app; each writing function is one transaction, staff writes are audited."""

from siyu.audience.services.export import csv_lines, mask_phone, phone_visible, start_export
from siyu.audience.services.segments import (
    create_segment,
    delete_segment,
    issue_coupon_to_segment,
    preview_rule,
    refresh_segment_counts,
    snapshot_segment,
    update_segment,
)
from siyu.audience.services.tag_rules import (
    apply_tag_rule,
    create_tag_rule,
    delete_tag_rule,
    recompute_tag_rules,
    refresh_tags_for,
    run_tag_rule,
    update_tag_rule,
)
from siyu.audience.services.tags import (
    create_tag,
    create_tag_group,
    delete_tag,
    delete_tag_group,
    seed_default_tag_groups,
    tag_customers,
    untag_customers,
    update_tag,
    update_tag_group,
)

__all__ = [
    "apply_tag_rule",
    "create_segment",
    "create_tag",
    "create_tag_group",
    "create_tag_rule",
    "csv_lines",
    "delete_segment",
    "delete_tag",
    "delete_tag_group",
    "delete_tag_rule",
    "issue_coupon_to_segment",
    "mask_phone",
    "phone_visible",
    "preview_rule",
    "recompute_tag_rules",
    "refresh_segment_counts",
    "refresh_tags_for",
    "run_tag_rule",
    "seed_default_tag_groups",
    "snapshot_segment",
    "start_export",
    "tag_customers",
    "untag_customers",
    "update_segment",
    "update_tag",
    "update_tag_group",
    "update_tag_rule",
]
