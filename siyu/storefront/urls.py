"""The H5 storefront, mounted at /shop/: every page is under the merchant's slug."""

from django.urls import path

from siyu.storefront.views import (
    account,
    activities,
    campaigns,
    cart,
    catalog,
    checkout,
    coupons,
    member,
    orders,
    pages,
    presale,
    wechat_login,
)

app_name = "storefront"

urlpatterns = [
    path("<slug:merchant>/", catalog.home, name="home"),
    path("<slug:merchant>/categories/", catalog.categories, name="categories"),
    path("<slug:merchant>/search/", catalog.search, name="search"),
    path("<slug:merchant>/p/<int:product_id>/", catalog.product, name="product"),
    path("<slug:merchant>/cart/", cart.cart, name="cart"),
    path("<slug:merchant>/cart/add/", cart.add, name="cart_add"),
    path("<slug:merchant>/cart/<int:sku_id>/update/", cart.update, name="cart_update"),
    path("<slug:merchant>/cart/<int:sku_id>/remove/", cart.remove, name="cart_remove"),
    path("<slug:merchant>/checkout/", checkout.checkout_page, name="checkout"),
    path("<slug:merchant>/orders/", orders.order_list, name="orders"),
    path("<slug:merchant>/orders/<int:order_id>/", orders.order_detail, name="order"),
    path("<slug:merchant>/orders/<int:order_id>/pay/", orders.order_pay, name="order_pay"),
    path("<slug:merchant>/orders/<int:order_id>/cancel/", orders.order_cancel, name="order_cancel"),
    path("<slug:merchant>/orders/<int:order_id>/confirm/", orders.order_confirm, name="order_confirm"),
    path("<slug:merchant>/orders/<int:order_id>/after-sale/", orders.after_sale_new, name="after_sale_new"),
    path("<slug:merchant>/after-sales/", orders.after_sale_list, name="after_sales"),
    path("<slug:merchant>/login/", account.login, name="login"),
    path("<slug:merchant>/login/wechat/", wechat_login.wechat_login, name="wechat_login"),
    path("<slug:merchant>/logout/", account.logout, name="logout"),
    path("<slug:merchant>/me/", account.me, name="me"),
    # 会员中心: views/member.py
    path("<slug:merchant>/me/member/", member.member, name="member"),
    path("<slug:merchant>/me/addresses/", account.addresses, name="addresses"),
    path("<slug:merchant>/me/addresses/new/", account.address_form, name="address_new"),
    path("<slug:merchant>/me/addresses/regions.json", account.address_regions, name="address_regions"),
    path("<slug:merchant>/me/addresses/<int:address_id>/", account.address_form, name="address_edit"),
    path(
        "<slug:merchant>/me/addresses/<int:address_id>/delete/", account.address_delete, name="address_delete"
    ),
    path("<slug:merchant>/share/", account.share, name="share"),
    path("<slug:merchant>/visit/", account.visit, name="visit"),
    path("<slug:merchant>/coupons/", coupons.centre, name="coupons"),
    path("<slug:merchant>/coupons/<int:template_id>/claim/", coupons.claim, name="coupon_claim"),
    path("<slug:merchant>/coupons/redeem/", coupons.redeem, name="coupon_redeem"),
    path("<slug:merchant>/me/coupons/", coupons.mine, name="my_coupons"),
    path("<slug:merchant>/flash/", activities.flash_sales, name="flash_sales"),
    path("<slug:merchant>/flash/<int:flash_sale_id>/", activities.flash_sale, name="flash_sale"),
    path("<slug:merchant>/group-buys/<int:group_buy_id>/", activities.group_buy, name="group_buy"),
    path("<slug:merchant>/group-buys/<int:group_buy_id>/open/", activities.open_team, name="group_buy_open"),
    path("<slug:merchant>/teams/<int:team_id>/", activities.team, name="team"),
    path("<slug:merchant>/bargains/<int:bargain_id>/", activities.bargain, name="bargain"),
    path("<slug:merchant>/bargains/<int:bargain_id>/start/", activities.start_bargain, name="bargain_start"),
    path(
        "<slug:merchant>/bargain-records/<int:record_id>/", activities.bargain_record, name="bargain_record"
    ),
    path(
        "<slug:merchant>/bargain-records/<int:record_id>/help/", activities.help_bargain, name="bargain_help"
    ),
]

# Campaign pages (presale, assist, split, lottery, blind box): views/campaigns.py and views/presale.py.
urlpatterns += [
    path("<slug:merchant>/campaigns/", campaigns.campaign_list, name="campaigns"),
    path("<slug:merchant>/presales/<int:presale_id>/", presale.presale, name="presale"),
    path("<slug:merchant>/presales/<int:presale_id>/deposit/", presale.pay_deposit, name="presale_deposit"),
    path("<slug:merchant>/presale-bookings/<int:booking_id>/", presale.booking, name="presale_booking"),
    path(
        "<slug:merchant>/presale-bookings/<int:booking_id>/balance/",
        presale.pay_balance,
        name="presale_balance",
    ),
    path(
        "<slug:merchant>/presale-bookings/<int:booking_id>/cancel/",
        presale.cancel_booking,
        name="presale_cancel",
    ),
    path("<slug:merchant>/assists/<int:assist_id>/", campaigns.assist, name="assist"),
    path("<slug:merchant>/assists/<int:assist_id>/start/", campaigns.start_assist, name="assist_start"),
    path("<slug:merchant>/assist-records/<int:record_id>/", campaigns.assist_record, name="assist_record"),
    path("<slug:merchant>/assist-records/<int:record_id>/help/", campaigns.help_assist, name="assist_help"),
    path("<slug:merchant>/splits/<int:split_id>/", campaigns.split, name="split"),
    path("<slug:merchant>/splits/<int:split_id>/start/", campaigns.start_split, name="split_start"),
    path("<slug:merchant>/split-teams/<int:team_id>/", campaigns.split_team, name="split_team"),
    path("<slug:merchant>/split-teams/<int:team_id>/join/", campaigns.join_split, name="split_join"),
    path("<slug:merchant>/lotteries/<int:lottery_id>/", campaigns.lottery, name="lottery"),
    path("<slug:merchant>/lottery-draws/<int:draw_id>/", campaigns.lottery_draw, name="lottery_draw"),
    path("<slug:merchant>/lottery-draws/<int:draw_id>/draw/", campaigns.draw_lottery, name="lottery_draw_go"),
    path("<slug:merchant>/blind-boxes/<int:blind_box_id>/", campaigns.blind_box, name="blind_box"),
    path(
        "<slug:merchant>/blind-boxes/<int:blind_box_id>/buy/", campaigns.buy_blind_box, name="blind_box_buy"
    ),
]

# Decorated pages (siyu/decoration): custom pages beside the product pages (a page's slug starts with
# a letter, a product's id is digits), and the console editor's preview of a draft.
urlpatterns += [
    path("<slug:merchant>/p/<slug:slug>/", pages.custom_page, name="page"),
    path("<slug:merchant>/preview/", pages.preview, name="page_preview"),
]
