"""WeCom external contacts as facts: who is whose contact, through which 活码, and what moved them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from siyu.core.models import TenantModel
from siyu.members.models import Source


class WeComMember(TenantModel):
    """A staff member's WeCom account (成员 userid): what WeCom calls the follow user of a contact.

    A guide without one can own no 活码, and a WeCom contact of an unmapped userid binds nobody.
    """

    staff = models.ForeignKey("tenancy.Staff", on_delete=models.CASCADE, related_name="wecom_members")
    userid = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "staff"], name="wecom_member_per_staff"),
            models.UniqueConstraint(fields=["merchant", "userid"], name="wecom_member_userid"),
        ]

    def __str__(self) -> str:
        return self.userid


class ContactWay(TenantModel):
    """A 渠道活码 (WeCom "contact me" QR code): the members it adds, the source it attributes and the
    welcome message a new contact gets. ``state`` is what WeCom hands back in the add callback."""

    name = models.CharField(max_length=30)  # WeCom's remark: at most 30 characters
    config_id = models.CharField(max_length=64)
    qr_code = models.URLField(max_length=500)
    members = models.ManyToManyField(WeComMember, related_name="contact_ways")
    # WeCom's type: 1 single member (the QR shows their name), 2 several; it cannot change later.
    multi = models.BooleanField(default=False)
    skip_verify = models.BooleanField(default=True)
    state = models.CharField(max_length=30)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.OUTLET)
    campaign = models.CharField(max_length=64, blank=True)
    welcome_text = models.TextField(max_length=4000, blank=True)
    # The mini-program card sent with the welcome text: its title and page (the mini-program is the
    # merchant's mini-program account); no card when the title is blank.
    card_title = models.CharField(max_length=64, blank=True)
    card_page = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("tenancy.Staff", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "state"], name="contact_way_state"),
            models.UniqueConstraint(fields=["merchant", "config_id"], name="contact_way_config"),
        ]

    def __str__(self) -> str:
        return self.name


class DeletedBy(models.TextChoices):
    CUSTOMER = "customer", _("The customer deleted the guide")
    GUIDE = "guide", _("The guide deleted the customer")
    TRANSFER = "transfer", _("Moved to another guide")


class WeComContact(TenantModel):
    """One follow relation: the customer ``external_userid`` is a WeCom contact of member ``userid``.

    A row per (external user, member); deleting the contact on either side stamps ``deleted_at``
    and an add after that clears it again, so "is a WeCom contact of guide X" is one lookup.
    """

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="wecom_contacts")
    external_userid = models.CharField(max_length=64)
    userid = models.CharField(max_length=64)
    staff = models.ForeignKey("tenancy.Staff", null=True, on_delete=models.SET_NULL, related_name="+")
    contact_way = models.ForeignKey(ContactWay, null=True, on_delete=models.SET_NULL, related_name="contacts")
    state = models.CharField(max_length=30, blank=True)
    name = models.CharField(max_length=64, blank=True)
    added_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.CharField(max_length=16, choices=DeletedBy.choices, blank=True)
    # The add callback's WelcomeCode (valid 20 seconds) and what became of it: the first claim sends.
    welcome_code = models.CharField(max_length=128, blank=True)
    welcome_sent_at = models.DateTimeField(null=True, blank=True)
    welcome_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-added_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "external_userid", "userid"], name="wecom_contact_once"
            )
        ]
        indexes = [models.Index(fields=["merchant", "userid"], name="wecom_contact_member")]


class CallbackReceipt(TenantModel):
    """A WeCom callback already handled (by the digest of its decrypted XML): WeCom retries a push
    it got no answer to within 5 seconds, and a retry must change nothing."""

    digest = models.CharField(max_length=64)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["merchant", "digest"], name="wecom_callback_once")]


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the customer")
    SUCCEEDED = "succeeded", _("Taken over")
    FAILED = "failed", _("Failed")


class ContactTransfer(TenantModel):
    """One customer handed from one guide's WeCom to another's (在职/离职继承), and how it ended."""

    customer = models.ForeignKey("members.Customer", on_delete=models.CASCADE, related_name="+")
    external_userid = models.CharField(max_length=64)
    handover_userid = models.CharField(max_length=64)
    takeover_userid = models.CharField(max_length=64)
    handover_staff = models.ForeignKey(
        "tenancy.Staff", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    takeover_staff = models.ForeignKey(
        "tenancy.Staff", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resigned = models.BooleanField(help_text="The handover guide has left (离职继承)")
    status = models.CharField(max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING)
    # WeCom's answer: the errcode of the request for this customer, or transfer_result's status.
    errcode = models.IntegerField(default=0)
    result_status = models.IntegerField(null=True, blank=True)
    # Why it failed, as a key (WeCom's FailReason words, "no_record", "errcode:<n>"): see reason_text.
    reason = models.CharField(max_length=200, blank=True)
    requested_by = models.ForeignKey("tenancy.Staff", null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "external_userid", "handover_userid"],
                condition=Q(status="pending"),
                name="one_pending_transfer",
            )
        ]

    def reason_text(self) -> str:
        """The reason in the reader's language."""
        if self.reason.startswith("errcode:"):
            return gettext("WeCom refused (errcode %(errcode)s)") % {"errcode": self.reason[8:]}
        return str(FAIL_REASONS.get(self.reason, self.reason))


FAIL_REASONS = {
    "customer_refused": _("The customer refused"),
    "customer_limit_exceed": _("The new guide has reached WeCom's customer limit"),
    "no_record": _("WeCom has no record of this transfer"),
}
