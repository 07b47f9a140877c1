from siyu.promotions.campaigns.models.assist import AssistCampaign, AssistHelp, AssistRecord, AssistStatus
from siyu.promotions.campaigns.models.common import RewardKind
from siyu.promotions.campaigns.models.draws import Draw, DrawCampaign, DrawKind, DrawStatus, Prize, PrizeKind
from siyu.promotions.campaigns.models.rewards import CampaignReward, RewardSource, RewardStatus
from siyu.promotions.campaigns.models.split import SplitCampaign, SplitMember, SplitTeam, TeamStatus

__all__ = [
    "AssistCampaign",
    "AssistHelp",
    "AssistRecord",
    "AssistStatus",
    "CampaignReward",
    "Draw",
    "DrawCampaign",
    "DrawKind",
    "DrawStatus",
    "Prize",
    "PrizeKind",
    "RewardKind",
    "RewardSource",
    "RewardStatus",
    "SplitCampaign",
    "SplitMember",
    "SplitTeam",
    "TeamStatus",
]
