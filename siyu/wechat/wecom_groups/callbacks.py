"""WeCom callbacks of customer groups and corp tags (imported by the wechat app's ``ready()``).

- ``change_external_chat`` create/update (UpdateDetail add_member, del_member, change_name,
  change_owner, change_notice): WeCom's advice is to fetch the group again rather than patch it from
  the push, since pushes may arrive out of order; so each one is a groupchat/get and ``store_group``.
- ``change_external_chat`` dismiss: the group loses its members (its row stays for the rules).
- ``change_external_tag`` create/update/delete/shuffle: one ``sync_corp_tags`` brings both sides'
  definitions together (it is idempotent, so our own add_corp_tag's echo changes nothing).

``contact_tags_changed`` is the tag half of ``change_external_contact``/``edit_external_contact``,
whose handler belongs to the WeCom contacts feature: that handler calls it.
"""

from __future__ import annotations

from siyu.wechat.callbacks import wecom_handler
from siyu.wechat.models import WeChatAccount
from siyu.wechat.wecom_groups.services import groups, tags


@wecom_handler("change_external_chat", "create")
def chat_created(account: WeChatAccount, message: dict[str, str]) -> None:
    groups.refresh_group(merchant_id=account.merchant_id, chat_id=message["ChatId"])


@wecom_handler("change_external_chat", "update")
def chat_updated(account: WeChatAccount, message: dict[str, str]) -> None:
    groups.refresh_group(merchant_id=account.merchant_id, chat_id=message["ChatId"])


@wecom_handler("change_external_chat", "dismiss")
def chat_dismissed(account: WeChatAccount, message: dict[str, str]) -> None:
    groups.dismiss_group(merchant_id=account.merchant_id, chat_id=message["ChatId"])


@wecom_handler("change_external_tag", "")
def corp_tags_changed(account: WeChatAccount, message: dict[str, str]) -> None:
    tags.sync_corp_tags(merchant_id=account.merchant_id)


def contact_tags_changed(account: WeChatAccount, message: dict[str, str]) -> None:
    """Pull one contact's tags after ``edit_external_contact`` (a follow user tagged them in WeCom)."""
    tags.pull_contact_tags(merchant_id=account.merchant_id, external_userid=message["ExternalUserID"])
