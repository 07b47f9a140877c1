"""The operator console at /console/ (mounted by siyu/urls.py)."""

from django.urls import path

from siyu.console.playbooks import PLAYBOOKS
from siyu.console.views import (
    account,
    customer_data,
    customer_segments,
    customers,
    decoration,
    freight,
    marketing_activities,
    marketing_coupons,
    marketing_promotions,
    media,
    members,
    orders,
    orders_batch,
    overview,
    pickers,
    product_edit,
    products,
    reach,
    reach_broadcasts,
    reach_templates,
    settings,
    store,
    wechat_accounts,
    wechat_menu,
    wechat_oa,
    wechat_pay,
    wechat_wecom,
    wechat_wecomgroups,
)
from siyu.members.models import Channel

app_name = "console"
urlpatterns = [
    # 微信: the official account's auto-replies and channel QR codes
    path("wechat/replies/", wechat_oa.replies_page, name="wechat_replies"),
    path("wechat/replies/new/", wechat_oa.reply_edit, name="wechat_reply_new"),
    path("wechat/replies/<int:rule_id>/", wechat_oa.reply_edit, name="wechat_reply"),
    path("wechat/replies/<int:rule_id>/delete/", wechat_oa.reply_delete, name="wechat_reply_delete"),
    path("wechat/qrcodes/", wechat_oa.qrcodes_page, name="wechat_qrcodes"),
    path("wechat/qrcodes/new/", wechat_oa.qrcode_create, name="wechat_qrcode_new"),
    path("", account.home, name="home"),
    path("login/", account.login_view, name="login"),
    path("logout/", account.logout_view, name="logout"),
    path("merchant/switch/", account.switch_merchant, name="switch_merchant"),
    # 概况
    path("overview/", overview.overview_page, name="overview"),
    # 商品
    path("products/", products.product_list_page, name="products"),
    path("products/status/", products.bulk_status, name="products_status"),
    path("products/<int:product_id>/", products.product_page, name="product"),
    path("products/<int:product_id>/roles/", products.product_roles, name="product_roles"),
    path("products/new/", product_edit.product_create, name="product_new"),
    path("products/<int:product_id>/edit/", product_edit.product_edit, name="product_edit"),
    path("products/<int:product_id>/skus/", product_edit.product_add_skus, name="product_skus"),
    path("categories/", product_edit.categories_page, name="categories"),
    path("media/", media.library_page, name="media"),
    path("media/upload/", media.upload, name="media_upload"),
    path("media/picker/", media.picker, name="media_picker"),
    path("media/delete/", media.delete, name="media_delete"),
    path("stock/", products.stock_page, name="stock"),
    path("stock/<int:level_id>/", products.set_stock_level, name="stock_set"),
    # 订单
    path("orders/", orders.order_list_page, name="orders"),
    path("orders/<int:order_id>/", orders.order_detail_page, name="order"),
    path("orders/<int:order_id>/ship/", orders.ship, name="order_ship"),
    path("orders/<int:order_id>/cancel/", orders.cancel, name="order_cancel"),
    # 订单操作: batch shipping, export, bulk actions, 改价, remarks and flags
    path("orders/batch-ship/", orders_batch.batch_ship_page, name="order_batch_ship"),
    path("orders/batch-ship/<int:batch_id>/", orders_batch.batch_page, name="order_batch"),
    path("orders/batch-ship/<int:batch_id>/apply/", orders_batch.batch_apply, name="order_batch_apply"),
    path("orders/export/", orders_batch.export_orders, name="orders_export"),
    path("orders/bulk/", orders_batch.bulk_action, name="orders_bulk"),
    path("orders/<int:order_id>/price/", orders_batch.adjust_price, name="order_price"),
    path("orders/<int:order_id>/marks/", orders_batch.set_marks, name="order_marks"),
    path("pickup/", orders.pickup_page, name="pickup"),
    path("after-sales/", orders.after_sale_list_page, name="after_sales"),
    path("after-sales/<int:after_sale_id>/", orders.after_sale_page, name="after_sale"),
    path(
        "after-sales/<int:after_sale_id>/<slug:action>/", orders.after_sale_action, name="after_sale_action"
    ),
    # 客户
    path("customers/", customers.customer_list_page, name="customers"),
    path("customers/<int:customer_id>/", customers.customer_page, name="customer"),
    path("customers/<int:customer_id>/guide/", customers.customer_guide_assign, name="customer_guide"),
    path("customers/<int:customer_id>/phone/", customers.customer_phone_reveal, name="customer_phone"),
    path("customers/bulk-guide/", customers.bulk_guide, name="customers_bulk_guide"),
    path("orders/<int:order_id>/phone/", customers.order_phone_reveal, name="order_phone"),
    path("customers/<int:customer_id>/data/", customer_data.customer_data_panel, name="customer_data"),
    path("customers/<int:customer_id>/tags/", customer_data.customer_tag_add, name="customer_tag_add"),
    path("customers/<int:customer_id>/notes/", customer_data.customer_note_add, name="customer_note_add"),
    path(
        "customers/<int:customer_id>/tags/<int:tag_id>/remove/",
        customer_data.customer_tag_remove,
        name="customer_tag_remove",
    ),
    path("customers/bulk-tag/", customer_data.bulk_tag, name="customers_bulk_tag"),
    path("customers/tag-options/", customer_data.tag_options, name="customer_tag_options"),
    path("customers/tags/", customer_data.tags_page, name="customer_tags"),
    path("customers/tags/new/", customer_data.tag_create, name="tag_new"),
    path("customers/tags/<int:tag_id>/", customer_data.tag_rename, name="tag_rename"),
    path("customers/tags/<int:tag_id>/delete/", customer_data.tag_delete, name="tag_delete"),
    path("customers/tag-groups/new/", customer_data.tag_group_create, name="tag_group_new"),
    path("customers/tag-groups/<int:group_id>/", customer_data.tag_group_rename, name="tag_group_rename"),
    path(
        "customers/tag-groups/<int:group_id>/delete/", customer_data.tag_group_delete, name="tag_group_delete"
    ),
    path("customers/tag-rules/new/", customer_data.tag_rule_create, name="tag_rule_new"),
    path("customers/tag-rules/<int:rule_id>/run/", customer_data.tag_rule_run, name="tag_rule_run"),
    path("customers/tag-rules/<int:rule_id>/delete/", customer_data.tag_rule_delete, name="tag_rule_delete"),
    path("customers/segments/", customer_segments.segment_list_page, name="segments"),
    path("customers/segments/new/", customer_segments.segment_create, name="segment_new"),
    path("customers/segments/preview/", customer_segments.segment_preview, name="segment_preview"),
    path("customers/segments/<int:segment_id>/", customer_segments.segment_page, name="segment"),
    path("customers/segments/<int:segment_id>/edit/", customer_segments.segment_edit, name="segment_edit"),
    path(
        "customers/segments/<int:segment_id>/export.csv",
        customer_segments.segment_export,
        name="segment_export",
    ),
    path(
        "customers/segments/<int:segment_id>/snapshot/",
        customer_segments.segment_snapshot,
        name="segment_snapshot",
    ),
    path(
        "customers/segments/<int:segment_id>/delete/", customer_segments.segment_delete, name="segment_delete"
    ),
    path("customers/segments/<int:segment_id>/issue/", customer_segments.segment_issue, name="segment_issue"),
    path("customers/values/", customer_data.values_page, name="customer_values"),
    # 会员
    path("members/", members.member_list_page, name="members"),
    path("members/<int:customer_id>/", members.member_page, name="member"),
    path("members/<int:customer_id>/adjust/", members.member_adjust, name="member_adjust"),
    path("members/tiers/", members.tier_list_page, name="member_tiers"),
    path("members/tiers/new/", members.tier_create, name="member_tier_new"),
    path("members/tiers/<int:tier_id>/", members.tier_edit, name="member_tier_edit"),
    path("members/tiers/<int:tier_id>/delete/", members.tier_delete, name="member_tier_delete"),
    path("members/settings/", members.settings_page, name="member_settings"),
    # 营销
    path("marketing/", store.marketing_page, name="marketing"),
    path("marketing/coupons/", marketing_coupons.coupon_list_page, name="coupons"),
    path("marketing/coupons/new/", marketing_coupons.coupon_create, name="coupon_new"),
    path("marketing/coupons/<int:template_id>/", marketing_coupons.coupon_page, name="coupon"),
    path("marketing/coupons/<int:template_id>/edit/", marketing_coupons.coupon_edit, name="coupon_edit"),
    path(
        "marketing/coupons/<int:template_id>/status/", marketing_coupons.coupon_status, name="coupon_status"
    ),
    path("marketing/coupons/<int:template_id>/codes/", marketing_coupons.coupon_codes, name="coupon_codes"),
    path("marketing/coupons/<int:template_id>/issue/", marketing_coupons.coupon_issue, name="coupon_issue"),
    path("marketing/promotions/", marketing_promotions.promotion_list_page, name="promotions"),
    path("marketing/promotions/new/", marketing_promotions.promotion_create, name="promotion_new"),
    path("marketing/promotions/<int:promotion_id>/", marketing_promotions.promotion_page, name="promotion"),
    path(
        "marketing/promotions/<int:promotion_id>/edit/",
        marketing_promotions.promotion_edit,
        name="promotion_edit",
    ),
    path(
        "marketing/promotions/<int:promotion_id>/status/",
        marketing_promotions.promotion_status,
        name="promotion_status",
    ),
    path("marketing/pricing-policy/", marketing_promotions.pricing_policy_page, name="pricing_policy"),
    path("marketing/activities/", marketing_activities.activities_page, name="activities"),
    # 店铺装修
    path("decoration/", decoration.pages_page, name="decoration"),
    path("decoration/new/", decoration.page_create, name="decoration_new"),
    path("decoration/<int:page_id>/", decoration.editor_page, name="decoration_page"),
    path("decoration/<int:page_id>/settings/", decoration.page_settings, name="decoration_settings"),
    path("decoration/<int:page_id>/sections/", decoration.section_add, name="decoration_section_add"),
    path(
        "decoration/<int:page_id>/sections/<slug:section_id>/",
        decoration.section_save,
        name="decoration_section",
    ),
    path(
        "decoration/<int:page_id>/sections/<slug:section_id>/move/",
        decoration.section_move,
        name="decoration_section_move",
    ),
    path(
        "decoration/<int:page_id>/sections/<slug:section_id>/remove/",
        decoration.section_remove,
        name="decoration_section_remove",
    ),
    path("decoration/<int:page_id>/publish/", decoration.page_publish, name="decoration_publish"),
    path("decoration/<int:page_id>/discard/", decoration.page_discard, name="decoration_discard"),
    path("decoration/<int:page_id>/versions/", decoration.versions_page, name="decoration_versions"),
    path(
        "decoration/<int:page_id>/versions/<int:number>/rollback/",
        decoration.version_rollback,
        name="decoration_rollback",
    ),
    # 门店, 设置
    path("outlets/", store.outlets_page, name="outlets"),
    path("outlets/new/", settings.outlet_create, name="outlet_new"),
    path("outlets/<int:outlet_id>/edit/", settings.outlet_edit, name="outlet_edit"),
    path("settings/merchant/", store.merchant_page, name="merchant"),
    path("settings/staff/", store.staff_page, name="staff"),
    path("settings/staff/<int:staff_id>/", settings.staff_edit, name="staff_edit"),
    path("settings/audit/", store.audit_page, name="audit"),
    path("settings/wechat/", wechat_accounts.accounts_page, name="wechat_accounts"),
    *(
        path(f"settings/wechat/{kind}/", wechat_accounts.account_edit, {"kind": kind}, name=f"wechat_{kind}")
        for kind in wechat_accounts.KINDS
    ),
    # Pickers: the search behind every SKU, product, customer and segment picker (views/pickers.py)
    path("pick/skus/", pickers.pick_skus, name="pick_skus"),
    path("pick/products/", pickers.pick_products, name="pick_products"),
    path("pick/customers/", pickers.pick_customers, name="pick_customers"),
    path("pick/segments/", pickers.pick_segments, name="pick_segments"),
    # 订单 > 运费模板
    path("freight/", freight.template_list_page, name="freight"),
    path("freight/new/", freight.template_create, name="freight_new"),
    path("freight/<int:template_id>/", freight.template_page, name="freight_template"),
    path("freight/<int:template_id>/delete/", freight.template_delete, name="freight_delete"),
    path("freight/<int:template_id>/products/", freight.template_products, name="freight_products"),
    path("freight/<int:template_id>/rules/new/", freight.rule_edit, name="freight_rule_new"),
    path("freight/<int:template_id>/rules/<int:rule_id>/", freight.rule_edit, name="freight_rule"),
    path(
        "freight/<int:template_id>/rules/<int:rule_id>/delete/",
        freight.rule_delete,
        name="freight_rule_delete",
    ),
    # 微信 > 支付对账
    path("wechat/reconciliation/", wechat_pay.reconciliation_page, name="wechat_reconciliation"),
    path("wechat/reconciliation/run/", wechat_pay.reconcile, name="wechat_reconcile"),
]

# 微信 > 企业微信标签, 客户群 (siyu/wechat/wecom_groups)
urlpatterns += [
    path("wechat/tags/", wechat_wecomgroups.wecom_tags_page, name="wecom_tags"),
    path("wechat/tags/choose/", wechat_wecomgroups.wecom_tags_choose, name="wecom_tags_choose"),
    path("wechat/tags/sync/", wechat_wecomgroups.wecom_tags_sync, name="wecom_tags_sync"),
    path("wechat/groups/", wechat_wecomgroups.wecom_groups_page, name="wecom_groups"),
    path("wechat/groups/sync/", wechat_wecomgroups.wecom_groups_sync, name="wecom_groups_sync"),
    path("wechat/groups/<int:group_id>/", wechat_wecomgroups.wecom_group_page, name="wecom_group"),
    # 微信 · 企业微信: 渠道活码, members, 继承 (views/wechat_wecom.py)
    path("wechat/contact-ways/", wechat_wecom.contact_ways_page, name="wecom_contact_ways"),
    path("wechat/contact-ways/new/", wechat_wecom.contact_way_create, name="wecom_contact_way_new"),
    path("wechat/contact-ways/<int:way_id>/", wechat_wecom.contact_way_edit, name="wecom_contact_way"),
    path(
        "wechat/contact-ways/<int:way_id>/delete/",
        wechat_wecom.contact_way_delete,
        name="wecom_contact_way_delete",
    ),
    path("wechat/wecom-members/", wechat_wecom.members_page, name="wecom_members"),
    path("wechat/wecom-transfers/", wechat_wecom.transfers_page, name="wecom_transfers"),
]

# 微信 > 公众号菜单: views/wechat_menu.py
urlpatterns += [path("wechat/menu/", wechat_menu.menu_page, name="wechat_menu")]

# One set of pages per playbook: /console/marketing/flash-sales/, .../<id>/, .../<id>/<action>/, .../new/
for _book in PLAYBOOKS.values():
    _kw = {"playbook": _book.key}
    urlpatterns += [
        path(
            f"marketing/{_book.slug}/", marketing_activities.activity_list_page, _kw, name=f"{_book.key}_list"
        ),
        path(
            f"marketing/{_book.slug}/new/", marketing_activities.activity_create, _kw, name=f"{_book.key}_new"
        ),
        path(
            f"marketing/{_book.slug}/<int:activity_id>/",
            marketing_activities.activity_page,
            _kw,
            name=_book.key,
        ),
        path(
            f"marketing/{_book.slug}/<int:activity_id>/<slug:action>/",
            marketing_activities.activity_action,
            _kw,
            name=f"{_book.key}_action",
        ),
    ]


# 触达: channels, templates, broadcasts, messages in doubt (views/reach*.py)
urlpatterns += [
    path("reach/channels/", reach.channels_page, name="reach_channels"),
    path("reach/channels/fatigue/", reach.fatigue_save, name="reach_fatigue"),
    *(
        # One edit page per channel, each its own route (a channel is not a row: no id in the path).
        path(f"reach/channels/{c}/", reach.channel_edit, {"channel": c}, name=f"reach_channel_{c}")
        for c in Channel.values
    ),
    path("reach/in-doubt/", reach.in_doubt_page, name="reach_in_doubt"),
    path(
        "customers/<int:customer_id>/messages/", reach.customer_messages_panel, name="reach_customer_messages"
    ),
    path("reach/templates/", reach_templates.templates_page, name="reach_templates"),
    path("reach/templates/new/", reach_templates.template_create, name="reach_template_new"),
    path("reach/templates/<int:template_id>/", reach_templates.template_page, name="reach_template"),
    path(
        "reach/templates/<int:template_id>/edit/", reach_templates.template_edit, name="reach_template_edit"
    ),
    path(
        "reach/templates/<int:template_id>/preview/",
        reach_templates.template_preview,
        name="reach_template_preview",
    ),
    path(
        "reach/templates/<int:template_id>/archive/",
        reach_templates.template_archive,
        name="reach_template_archive",
    ),
    path("reach/broadcasts/", reach_broadcasts.broadcasts_page, name="reach_broadcasts"),
    path("reach/broadcasts/new/", reach_broadcasts.broadcast_create, name="reach_broadcast_new"),
    path("reach/broadcasts/preview/", reach_broadcasts.broadcast_preview, name="reach_broadcast_preview"),
    path("reach/broadcasts/<int:broadcast_id>/", reach_broadcasts.broadcast_page, name="reach_broadcast"),
    path(
        "reach/broadcasts/<int:broadcast_id>/edit/",
        reach_broadcasts.broadcast_edit,
        name="reach_broadcast_edit",
    ),
    path(
        "reach/broadcasts/<int:broadcast_id>/fast-forward/",
        reach_broadcasts.broadcast_fast_forward,
        name="reach_broadcast_fast_forward",
    ),
    path(
        "reach/broadcasts/<int:broadcast_id>/<slug:action>/",
        reach_broadcasts.broadcast_action,
        name="reach_broadcast_action",
    ),
]
