"""Marketing routes: coupons and promotions, and each playbook's shop and admin routes."""
