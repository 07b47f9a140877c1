"""The campaigns as the activity kit sees them: each is paused, resumed and ended on the kit's
machine. Paused or ended, a campaign takes no new record, team, chance or box; what customers
already hold runs its course (records and teams to their deadline, chances paid for are drawn)."""

from __future__ import annotations

from siyu.promotions.campaigns.models import AssistCampaign, DrawCampaign, DrawKind, SplitCampaign
from siyu.promotions.campaigns.selectors import assist_stats, draw_stats, split_stats
from siyu.promotions.kit.playbook import Playbook

ASSISTS = Playbook(key="assist", model=AssistCampaign, stats=assist_stats)
SPLITS = Playbook(key="split", model=SplitCampaign, stats=split_stats)
LOTTERIES = Playbook(
    key=DrawKind.PAY_LOTTERY, model=DrawCampaign, stats=draw_stats, filters={"kind": DrawKind.PAY_LOTTERY}
)
BLIND_BOXES = Playbook(
    key=DrawKind.BLIND_BOX, model=DrawCampaign, stats=draw_stats, filters={"kind": DrawKind.BLIND_BOX}
)
