from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "siyu.promotions.campaigns"
    label = "campaigns"
    verbose_name = _("Assists, splits, lotteries and blind boxes")

    def ready(self) -> None:
        from siyu.catalog import carriers
        from siyu.orders import hooks
        from siyu.promotions.activities import register
        from siyu.promotions.campaigns.hooks import CampaignHooks
        from siyu.promotions.campaigns.models import DrawCampaign, DrawKind
        from siyu.promotions.campaigns.providers import BlindBoxProvider

        carriers.register(
            "blind_box", lambda: DrawCampaign.objects.filter(kind=DrawKind.BLIND_BOX).values("sku_id")
        )
        register(BlindBoxProvider())
        from siyu.promotions.activities import register_conflicts
        from siyu.promotions.campaigns.services.common import sku_conflicts

        register_conflicts("campaigns", sku_conflicts)  # blind boxes and presales
        hooks.register(CampaignHooks(), order=80)
