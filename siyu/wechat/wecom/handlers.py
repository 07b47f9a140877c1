"""The ``change_external_contact`` callbacks this package handles, registered with the WeCom
callback registry (``siyu.wechat.callbacks``) when the app is ready."""

from __future__ import annotations

from siyu.wechat.callbacks import wecom_handler
from siyu.wechat.models import WeChatAccount
from siyu.wechat.wecom import contacts, transfers
from siyu.wechat.wecom.models import DeletedBy
from siyu.wechat.wecom_groups.callbacks import contact_tags_changed

EVENT = "change_external_contact"


@wecom_handler(EVENT, "add_external_contact")
@wecom_handler(EVENT, "add_half_external_contact")
def on_add(account: WeChatAccount, message: dict[str, str]) -> None:
    contacts.contact_added(account, message)


@wecom_handler(EVENT, "edit_external_contact")
def on_edit(account: WeChatAccount, message: dict[str, str]) -> None:
    contacts.contact_edited(account, message)
    # A guide may have tagged the customer in WeCom: bring the tags over (siyu/wechat/wecom_groups).
    contact_tags_changed(account, message)


@wecom_handler(EVENT, "del_external_contact")
def on_member_deleted_customer(account: WeChatAccount, message: dict[str, str]) -> None:
    # 删除企业客户事件: the member (guide) deleted the customer, or a transfer moved them.
    contacts.contact_deleted(account, message, by=DeletedBy.GUIDE)


@wecom_handler(EVENT, "del_follow_user")
def on_customer_deleted_member(account: WeChatAccount, message: dict[str, str]) -> None:
    # 删除跟进成员事件: the customer deleted the member (guide).
    contacts.contact_deleted(account, message, by=DeletedBy.CUSTOMER)


@wecom_handler(EVENT, "transfer_fail")
def on_transfer_fail(account: WeChatAccount, message: dict[str, str]) -> None:
    transfers.transfer_failed(account, message)
