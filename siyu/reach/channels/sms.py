"""SMS through Tencent Cloud SMS (API 2021-01-11), called with Tencent's own SDK.

Set-up (``ChannelSetting`` of channel ``sms``): ``config`` holds ``sms_sdk_app_id`` (SmsSdkAppId),
``sign_name`` (the approved 签名), ``region`` (default ap-guangzhou), ``endpoint`` (default
sms.tencentcloudapi.com) or ``sandbox: true`` (the built-in sandbox at
``settings.SIYU_WECHAT_SANDBOX_URL + "/sms"``), ``param_max_chars`` (default 12: Tencent allows a
个人认证 account 12 characters per variable; 0 for an 企业认证 account, which has no per-variable
limit; tencentcloud.com/document/product/382/40653) and ``report_wait_seconds`` (see ``query``). The
sealed secrets hold ``secret_id``/``secret_key`` (the API key) and ``callback_token`` (the path
secret of the callback URLs: Tencent does not sign its callbacks).

A template's ``external_id`` is the TemplateId and ``fields`` is ``{"params": ["{{ customer.nickname }}",
...]}``, the ordered TemplateParamSet. The request carries ``SessionContext = message.key``, which
Tencent hands back in status reports and pulls, so a send whose answer was lost can be found.

The SDK signs with TC3-HMAC-SHA256 and posts to ``https://<endpoint>/``. For the sandbox the
endpoint is ``host:port/sms`` over http: the SDK puts it in the URL and the Host header, and signs
the Host header as sent; the fake verifies that signature byte for byte (siyu/wechat/sandbox/sms.py).
"""

from __future__ import annotations

import hmac
import json
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models as sms_models
from tencentcloud.sms.v20210111.sms_client import SmsClient

from siyu.members.models import Customer
from siyu.reach.channels import register
from siyu.reach.channels.base import ChannelAdapter, SendResult
from siyu.reach.channels.text import SendInDoubt, channel_setting, fill, literal
from siyu.reach.errors import InvalidTemplate
from siyu.reach.models import ChannelSetting, Message, MessageTemplate

CHANNEL = "sms"
DEFAULT_ENDPOINT = "sms.tencentcloudapi.com"
DEFAULT_REGION = "ap-guangzhou"
PARAM_MAX_CHARS = 12
# A pull that finds nothing this long after the lease ran out means the send never reached Tencent.
REPORT_WAIT_SECONDS = 600
# Tencent keeps pullable reports for a limited span; never ask for more than this.
PULL_SPAN = timedelta(days=7)
PULL_LIMIT = 100
# Replies that mean 退订 (the "回T退订" every marketing text ends with), compared upper-cased.
UNSUBSCRIBE_WORDS = frozenset({"T", "TD", "N", "退订", "退", "TUIDING", "取消", "STOP", "UNSUBSCRIBE"})
# Error codes after which the same request may succeed later (frequency limits, throttling).
RETRYABLE_PREFIXES = ("LimitExceeded.", "RequestLimitExceeded")
# Network failures where nothing reached Tencent (no connection was made): safe to try again.
NOT_CONNECTED = ("NewConnectionError", "ConnectTimeoutError", "Connection refused")
CHINA = ZoneInfo("Asia/Shanghai")
# The texts a reply can answer: the newest of these is the one the customer replied to.
ANSWERABLE = ("sent", "delivered", "failed", "in_doubt")


def e164(phone: str) -> str:
    """A customer's phone as Tencent wants it: +86 for a mainland number stored without a prefix."""
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    if digits.startswith("+"):
        return digits
    if digits.startswith("86") and len(digits) == 13:
        return "+" + digits
    return "+86" + digits


def national(phone: str) -> str:
    """The number without +86: how a mainland customer's phone is stored."""
    number = e164(phone)
    return number[3:] if number.startswith("+86") else number


def max_chars(config: dict[str, Any]) -> int:
    value = config.get("param_max_chars", PARAM_MAX_CHARS)
    return int(value) if isinstance(value, int | str) and str(value).isdigit() else PARAM_MAX_CHARS


def clip(text: str, limit: int) -> str:
    """A rendered parameter cut to ``limit`` characters (… marks the cut); 0 means no limit."""
    if limit and len(text) > limit:
        return text[: limit - 1] + "…"
    return text


def endpoint_of(config: dict[str, Any]) -> tuple[str, str]:
    """(scheme, endpoint) the SDK is pointed at."""
    if config.get("sandbox"):
        parts = urlsplit(settings.SIYU_WECHAT_SANDBOX_URL.rstrip("/") + "/sms")
        return parts.scheme, parts.netloc + parts.path
    return "https", str(config.get("endpoint") or DEFAULT_ENDPOINT)


_clients = threading.local()


def client_for(setting: ChannelSetting) -> SmsClient:
    """The SDK client for a setting, one per thread (the SDK keeps a requests session per client)."""
    config = setting.config or {}
    scheme, endpoint = endpoint_of(config)
    secrets = setting.secrets()
    key = (setting.pk, str(setting.updated_at), scheme, endpoint)
    cache: dict[Any, SmsClient] = getattr(_clients, "cache", None) or {}
    _clients.cache = cache
    if key not in cache:
        http = HttpProfile(protocol=scheme, endpoint=endpoint, reqTimeout=int(config.get("timeout", 10)))
        http.keepAlive = True
        cred = credential.Credential(secrets.get("secret_id", ""), secrets.get("secret_key", ""))
        cache[key] = SmsClient(
            cred, str(config.get("region") or DEFAULT_REGION), ClientProfile(httpProfile=http)
        )
    return cache[key]


def _refusal(exc: TencentCloudSDKException) -> SendResult:
    """A failed call as a result; raises ``SendInDoubt`` when the request may have been taken."""
    code, text = str(exc.get_code() or ""), str(exc.get_message() or "")
    if code == "ClientNetworkError":
        if any(marker in text for marker in NOT_CONNECTED):
            return SendResult("failed", error=f"{code}: not connected"[:255], retryable=True)
        raise SendInDoubt(f"{code}: {text}"[:255]) from exc
    if code == "ServerNetworkError" or code.startswith("InternalError"):
        raise SendInDoubt(f"{code}: {text}"[:255]) from exc
    return SendResult("failed", error=f"{code}: {text}"[:255], retryable=code.startswith(RETRYABLE_PREFIXES))


class SmsAdapter(ChannelAdapter):
    channel = CHANNEL
    queryable = True

    def reachable(self, merchant_id: int, template: MessageTemplate) -> Q:
        return Q(phone__isnull=False) & ~Q(phone="")

    def addresses(
        self, merchant_id: int, customer_ids: Sequence[int], template: MessageTemplate
    ) -> dict[int, str]:
        rows = Customer.objects.filter(merchant_id=merchant_id, pk__in=list(customer_ids))
        return {
            pk: e164(phone or "")
            for pk, phone in rows.filter(self.reachable(merchant_id, template)).values_list("pk", "phone")
        }

    def validate(self, template: MessageTemplate) -> None:
        if not template.external_id.strip():
            raise InvalidTemplate(detail={"field": "external_id", "rule": "required"})
        params = (template.fields or {}).get("params", [])
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            raise InvalidTemplate(detail={"field": "params", "rule": "list_of_text"})
        setting = channel_setting(template.merchant_id, CHANNEL)
        limit = max_chars(setting.config if setting else {})
        for index, param in enumerate(params):
            if limit and len(literal(param)) > limit:
                raise InvalidTemplate(detail={"field": f"params.{index}", "limit": limit})

    def render(self, template: MessageTemplate, context: dict[str, Any], message: Message) -> dict[str, Any]:
        setting = channel_setting(message.merchant_id, CHANNEL)
        config = setting.config if setting else {}
        limit = max_chars(config)
        params = [clip(fill(p, context), limit) for p in (template.fields or {}).get("params", [])]
        return {
            "PhoneNumberSet": [e164(message.address)],
            "SmsSdkAppId": str(config.get("sms_sdk_app_id", "")),
            "SignName": str(config.get("sign_name", "")),
            "TemplateId": template.external_id,
            "TemplateParamSet": params,
            "SessionContext": message.key,
        }

    def send(self, message: Message) -> SendResult:
        setting = channel_setting(message.merchant_id, CHANNEL)
        if setting is None or not self._configured(setting):
            return SendResult("failed", error="channel_not_ready")
        request = sms_models.SendSmsRequest()
        request.from_json_string(json.dumps(message.payload, ensure_ascii=False))
        try:
            response = client_for(setting).SendSms(request)
        except TencentCloudSDKException as exc:
            return _refusal(exc)
        statuses = response.SendStatusSet or []
        status = next(
            (s for s in statuses if s.SessionContext == message.key), statuses[0] if statuses else None
        )
        if status is None:
            raise SendInDoubt("SendSms answered without a SendStatusSet")
        if status.Code == "Ok":
            return SendResult("sent", provider_id=str(status.SerialNo or ""))
        code = str(status.Code or "")
        return SendResult(
            "failed",
            error=f"{code}: {status.Message or ''}"[:255],
            retryable=code.startswith(RETRYABLE_PREFIXES),
        )

    def query(self, message: Message) -> SendResult | None:
        """What became of a send whose answer was lost, from Tencent's pulled status reports.

        The contract with the dispatcher (``recover_sends``):

        - a report carrying ``SessionContext == message.key`` was found: ``delivered`` (SUCCESS) or
          ``failed`` (FAIL, not retryable: it went out, the carrier did not deliver), with the SerialNo
          as ``provider_id``;
        - nothing found although ``report_wait_seconds`` passed since the lease ran out:
          ``SendResult("failed", retryable=True, error="not_sent")``, meaning Tencent never took the
          request and sending again cannot make a second text;
        - ``None``: cannot tell yet (reports still may come, or the pull failed): ask again later.
        """
        setting = channel_setting(message.merchant_id, CHANNEL)
        if setting is None or not self._configured(setting):
            return None
        config = setting.config or {}
        end = int(time.time()) + 60  # the provider's clock: Tencent filters by its receive time
        begin = max(
            int((message.send_at - timedelta(minutes=5)).timestamp()), end - int(PULL_SPAN.total_seconds())
        )
        client = client_for(setting)
        offset = 0
        try:
            while True:
                request = sms_models.PullSmsSendStatusByPhoneNumberRequest()
                request.from_json_string(
                    json.dumps(
                        {
                            "BeginTime": begin,
                            "EndTime": end,
                            "Offset": offset,
                            "Limit": PULL_LIMIT,
                            "PhoneNumber": e164(message.address),
                            "SmsSdkAppId": str(config.get("sms_sdk_app_id", "")),
                        }
                    )
                )
                found = client.PullSmsSendStatusByPhoneNumber(request).PullSmsSendStatusSet or []
                for report in found:
                    if report.SessionContext == message.key:
                        if report.ReportStatus == "SUCCESS":
                            return SendResult("delivered", provider_id=str(report.SerialNo or ""))
                        return SendResult(
                            "failed",
                            provider_id=str(report.SerialNo or ""),
                            error=str(report.Description or "")[:255],
                        )
                if len(found) < PULL_LIMIT:
                    break
                offset += PULL_LIMIT
        except TencentCloudSDKException:
            return None
        wait = timedelta(seconds=int(config.get("report_wait_seconds", REPORT_WAIT_SECONDS)))
        if message.leased_until is not None and timezone.now() < message.leased_until + wait:
            return None
        return SendResult("failed", error="not_sent", retryable=True)

    def ready(self, merchant_id: int) -> bool:
        setting = channel_setting(merchant_id, CHANNEL)
        return bool(setting and setting.enabled and self._configured(setting))

    @staticmethod
    def _configured(setting: ChannelSetting) -> bool:
        config, secrets = setting.config or {}, setting.secrets()
        return bool(
            config.get("sms_sdk_app_id")
            and config.get("sign_name")
            and secrets.get("secret_id")
            and secrets.get("secret_key")
        )


ADAPTER = register(SmsAdapter())


# --- callbacks (siyu/reach/views/callbacks.py) ---------------------------------------------------------


def callback_token_ok(merchant_id: int, token: str) -> bool:
    """Is ``token`` the merchant's SMS callback secret? (Tencent's callbacks carry no signature.)"""
    setting = channel_setting(merchant_id, CHANNEL)
    expected = setting.secrets().get("callback_token", "") if setting else ""
    return bool(expected) and hmac.compare_digest(expected.encode(), token.encode())


def callback_paths(merchant_id: int, token: str) -> dict[str, str]:
    """The two URLs to enter in Tencent's console (状态回执 and 回复回执), under SIYU_PUBLIC_URL."""
    base = f"{settings.SIYU_PUBLIC_URL.rstrip('/')}/reach/sms/{merchant_id}/{token}"
    return {"status": f"{base}/status", "reply": f"{base}/reply"}


def _report_time(text: Any) -> datetime:
    try:
        return datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except ValueError:
        return timezone.now()


def record_status_reports(*, merchant_id: int, reports: list[dict[str, Any]]) -> int:
    """Tencent's 状态回执 (``report_status`` SUCCESS/FAIL per ``sid``) -> receipts; how many matched."""
    from siyu.reach import services

    matched = 0
    for report in reports:
        sid = str(report.get("sid") or "")
        if not sid:
            continue
        delivered = report.get("report_status") == "SUCCESS"
        error = "" if delivered else f"{report.get('errmsg', '')}: {report.get('description', '')}"[:255]
        found = services.record_receipt(
            merchant_id=merchant_id,
            channel=CHANNEL,
            provider_id=sid,
            outcome="delivered" if delivered else "failed",
            at=_report_time(report.get("user_receive_time")),
            error=error,
        )
        matched += 1 if found else 0
    return matched


def is_unsubscribe(text: str) -> bool:
    return text.strip().upper() in UNSUBSCRIBE_WORDS


def record_reply(*, merchant_id: int, reply: dict[str, Any]) -> list[int]:
    """A customer's reply (回复回执); "T", "TD", "退订"... unsubscribes that phone from SMS.

    Returns the customers unsubscribed (none for any other reply).
    """
    from siyu.reach import services

    if not is_unsubscribe(str(reply.get("text") or "")):
        return []
    mobile = str(reply.get("mobile") or "")
    if not mobile:
        return []
    nation = str(reply.get("nationcode") or "86")
    number = e164(f"+{nation}{national(mobile)}") if not mobile.startswith("+") else e164(mobile)
    forms = {number, national(number), number.lstrip("+")}
    customers = Customer.objects.filter(merchant_id=merchant_id, phone__in=forms).values_list("pk", flat=True)
    done = []
    for customer_id in customers:
        last = (
            Message.objects.filter(
                merchant_id=merchant_id, customer_id=customer_id, channel=CHANNEL, status__in=ANSWERABLE
            )
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        services.unsubscribe(
            merchant_id=merchant_id, customer_id=customer_id, channel=CHANNEL, message_id=last
        )
        done.append(customer_id)
    return done


# --- the sandbox process (``siyu wechat_sandbox``) learns SMS settings marked sandbox -----------------


def register_sms_accounts(app: Any) -> None:
    """Let the sandbox find the SMS credentials of settings with ``sandbox: true`` (by SecretId).

    Chains onto the loader already set (WeChat accounts); only sandbox settings are handed over, and
    the fake learns where to push status reports and replies.
    """
    from django.db import close_old_connections

    from siyu.wechat.sandbox.base import SandboxAccount

    previous = app.account_loader

    def load(kind: str, app_id: str) -> SandboxAccount | None:
        if kind != CHANNEL:
            return previous(kind, app_id) if previous is not None else None
        close_old_connections()
        for setting in ChannelSetting.objects.filter(channel=CHANNEL):
            config, secrets = setting.config or {}, setting.secrets()
            if config.get("sandbox") and secrets.get("secret_id") == app_id:
                token = secrets.get("callback_token", "")
                paths = {}
                if token:
                    base = f"/reach/sms/{setting.merchant_id}/{token}"
                    paths = {"status_callback": f"{base}/status", "reply_callback": f"{base}/reply"}
                return SandboxAccount(
                    CHANNEL,
                    app_id,
                    {"secret_key": secrets.get("secret_key", "")},
                    {
                        "sms_sdk_app_id": config.get("sms_sdk_app_id", ""),
                        "param_max_chars": max_chars(config),
                        **paths,
                    },
                )
        return None

    if previous is not None and hasattr(previous, "all_of"):
        load.all_of = previous.all_of  # type: ignore[attr-defined]
    app.account_loader = load
