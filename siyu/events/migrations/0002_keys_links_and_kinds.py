import django.db.models.deletion
from django.db import migrations, models

# The event ids already stored become keys before the events table's own unique constraint goes.
COPY_KEYS = (
    "INSERT INTO events_eventkey (merchant_id, event_id, occurred_at) "
    "SELECT merchant_id, event_id, occurred_at FROM events_event"
)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("members", "0002_attribution_and_merges"),
        ("tenancy", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventKey",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "merchant_id", "event_id", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                (
                    "merchant",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenancy.merchant",
                    ),
                ),
                ("event_id", models.UUIDField()),
                (
                    "occurred_at",
                    models.DateTimeField(help_text="The event's time, to find its row (and its partition)"),
                ),
            ],
            options={"abstract": False},
        ),
        migrations.RunSQL(COPY_KEYS, migrations.RunSQL.noop),
        migrations.RemoveConstraint(model_name="event", name="event_id_per_merchant"),
        migrations.AlterField(
            model_name="event",
            name="merchant",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="tenancy.merchant",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="kind",
            field=models.CharField(
                choices=[
                    ("visit", "Visit"),
                    ("page_view", "Page view"),
                    ("product_view", "Product view"),
                    ("search", "Search"),
                    ("favourite", "Favourite"),
                    ("add_to_cart", "Add to cart"),
                    ("follow", "Follow"),
                    ("share", "Share"),
                    ("order_created", "Order created"),
                    ("order_paid", "Order paid"),
                    ("refund", "Order refunded"),
                    ("coupon_claimed", "Coupon claimed"),
                    ("coupon_used", "Coupon used"),
                    ("group_joined", "Group buy joined"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("customer__isnull", True)),
                fields=["merchant", "anonymous_id"],
                name="event_anonymous",
            ),
        ),
        migrations.CreateModel(
            name="IdentityLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "merchant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="tenancy.merchant",
                    ),
                ),
                ("anonymous_id", models.CharField(max_length=64)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="members.customer"
                    ),
                ),
                (
                    "via",
                    models.CharField(choices=[("login", "Login"), ("phone", "Phone binding")], max_length=8),
                ),
                (
                    "events_attached",
                    models.PositiveIntegerField(default=0, help_text="Anonymous events attached then"),
                ),
                ("linked_at", models.DateTimeField()),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["merchant", "anonymous_id", "-linked_at"], name="identity_link_lookup"
                    )
                ],
            },
        ),
    ]
