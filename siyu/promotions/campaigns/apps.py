from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "siyu.promotions.campaigns"
    label = "campaigns"
    verbose_name = _("Assists, splits, lotteries and blind boxes")

    def ready(self) -> None:
        from siyu.catalog import carriers
        from siyu.orders import hooks
        from siyu.promotions.activities import register, register_conflicts
        from siyu.promotions.campaigns.hooks import CampaignHooks
        from siyu.promotions.campaigns.models import DrawCampaign, DrawKind
        from siyu.promotions.campaigns.providers import BlindBoxProvider
        from siyu.promotions.campaigns.selectors import blind_boxes_on_skus

        carriers.register(
            "blind_box", lambda: DrawCampaign.objects.filter(kind=DrawKind.BLIND_BOX).values("sku_id")
        )
        register(BlindBoxProvider())
        register_conflicts("campaigns", blind_boxes_on_skus)  # a family with presales
        hooks.register(CampaignHooks(), order=80)
