"""The operator console at /console/ (mounted by siyu/urls.py)."""

from django.urls import path

from siyu.console.views import account, customers, orders, overview, products, store

app_name = "console"
urlpatterns = [
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
    path("stock/", products.stock_page, name="stock"),
    path("stock/<int:level_id>/", products.set_stock_level, name="stock_set"),
    # 订单
    path("orders/", orders.order_list_page, name="orders"),
    path("orders/<int:order_id>/", orders.order_detail_page, name="order"),
    path("orders/<int:order_id>/ship/", orders.ship, name="order_ship"),
    path("orders/<int:order_id>/cancel/", orders.cancel, name="order_cancel"),
    path("pickup/", orders.pickup_page, name="pickup"),
    path("after-sales/", orders.after_sale_list_page, name="after_sales"),
    path("after-sales/<int:after_sale_id>/", orders.after_sale_page, name="after_sale"),
    path(
        "after-sales/<int:after_sale_id>/<slug:action>/", orders.after_sale_action, name="after_sale_action"
    ),
    # 客户
    path("customers/", customers.customer_list_page, name="customers"),
    path("customers/<int:customer_id>/", customers.customer_page, name="customer"),
    # 营销, 门店, 设置
    path("marketing/", store.marketing_page, name="marketing"),
    path("outlets/", store.outlets_page, name="outlets"),
    path("settings/merchant/", store.merchant_page, name="merchant"),
    path("settings/staff/", store.staff_page, name="staff"),
    path("settings/audit/", store.audit_page, name="audit"),
]
