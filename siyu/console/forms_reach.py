"""触达 forms: a channel's set-up, the fatigue policy, message templates (fields by channel) and
broadcasts. Each cleans to the keyword arguments of one siyu.reach.services function."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from siyu.console.forms import DateTimeField
from siyu.console.forms_pickers import PickerForm, PickField, TemplateField
from siyu.members.models import Channel
from siyu.reach.models import MessageTemplate, OverBudget, SendTime

# ---- channels --------------------------------------------------------------------------------------

# What each provider channel keeps in ChannelSetting.config (in the clear) and its sealed secrets.
# WeChat channels have none here: their account is in 设置 → 微信账号.
PROVIDER_CONFIG: dict[str, tuple[str, ...]] = {
    Channel.SMS: ("sms_sdk_app_id", "sign_name", "region", "endpoint"),
    Channel.EMAIL: ("host", "port", "username", "from_email", "use_tls"),
    Channel.WEBHOOK: ("url",),
}
PROVIDER_SECRETS: dict[str, tuple[str, ...]] = {
    Channel.SMS: ("secret_id", "secret_key"),
    Channel.EMAIL: ("password",),
    Channel.WEBHOOK: ("signing_secret",),
}
PROVIDER_LABELS: dict[str, Any] = {
    "sms_sdk_app_id": _("SMS application ID (SmsSdkAppId)"),
    "sign_name": _("SMS signature"),
    "region": _("Region"),
    "endpoint": _("Endpoint (empty: Tencent Cloud's own)"),
    "host": _("SMTP server"),
    "port": _("SMTP port"),
    "username": _("SMTP user"),
    "from_email": _("From address"),
    "use_tls": _("Use TLS"),
    "url": _("Address Siyu posts to (URL)"),
    "secret_id": _("SecretId"),
    "secret_key": _("SecretKey"),
    "password": _("SMTP password"),
    "signing_secret": _("Signing secret"),
    "sandbox": _("Use the built-in sandbox (nothing really sent)"),
}

# The model's "Now" shares its msgid with pricing's "now price" (当前价): the form says it in context.
SEND_TIMES = [
    (SendTime.NOW, pgettext_lazy("broadcast send time", "Now")),
    (SendTime.AT, SendTime.AT.label),
    (SendTime.PREFERRED_HOUR, SendTime.PREFERRED_HOUR.label),
]


class ChannelForm(forms.Form):
    """A channel on or off, its throttle and own caps, and for SMS/email/webhook the provider's
    set-up. Secret fields never show a stored value: empty keeps it."""

    enabled = forms.BooleanField(label=_("On"), required=False)
    rate_per_minute = forms.IntegerField(
        label=_("Sends per minute (all workers)"), min_value=1, max_value=100_000, initial=600
    )
    concurrency = forms.IntegerField(label=_("Sends in flight at once"), min_value=1, max_value=32, initial=2)
    daily_cap = forms.IntegerField(
        label=_("Own cap per customer per day"),
        min_value=1,
        max_value=50,
        required=False,
        help_text=_("Empty: only the shop-wide fatigue budget applies."),
    )
    weekly_cap = forms.IntegerField(
        label=_("Own cap per customer per week"), min_value=1, max_value=200, required=False
    )

    def __init__(self, *args: Any, channel: str, held_secrets: set[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        for name in PROVIDER_CONFIG.get(channel, ()):
            if name == "use_tls":
                self.fields[name] = forms.BooleanField(label=PROVIDER_LABELS[name], required=False)
            elif name == "port":
                self.fields[name] = forms.IntegerField(
                    label=PROVIDER_LABELS[name], min_value=1, max_value=65535, required=False
                )
            elif name == "url":
                self.fields[name] = forms.URLField(
                    label=PROVIDER_LABELS[name], max_length=500, required=False
                )
            elif name == "from_email":
                self.fields[name] = forms.EmailField(label=PROVIDER_LABELS[name], required=False)
            else:
                self.fields[name] = forms.CharField(
                    label=PROVIDER_LABELS[name], max_length=200, required=False
                )
        for name in PROVIDER_SECRETS.get(channel, ()):
            help_text = _("Set. Leave empty to keep it.") if name in held_secrets else _("Not set yet.")
            self.fields[f"secret_{name}"] = forms.CharField(
                label=PROVIDER_LABELS[name],
                required=False,
                max_length=500,
                help_text=help_text,
                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            )
        if channel in PROVIDER_CONFIG:
            self.fields["sandbox"] = forms.BooleanField(label=PROVIDER_LABELS["sandbox"], required=False)

    @classmethod
    def initial_of(cls, setting: Any) -> dict[str, Any]:
        if setting is None:
            return {"rate_per_minute": 600, "concurrency": 2}
        return {
            "enabled": setting.enabled,
            "rate_per_minute": setting.rate_per_minute,
            "concurrency": setting.concurrency,
            "daily_cap": setting.daily_cap,
            "weekly_cap": setting.weekly_cap,
            **{k: v for k, v in (setting.config or {}).items()},
        }

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        config = {n: d[n] for n in PROVIDER_CONFIG.get(self.channel, ()) if d.get(n) not in (None, "")}
        if "sandbox" in self.fields:
            config["sandbox"] = bool(d.get("sandbox"))
        return {
            "channel": self.channel,
            "enabled": d["enabled"],
            "rate_per_minute": d["rate_per_minute"],
            "concurrency": d["concurrency"],
            "daily_cap": d["daily_cap"],
            "weekly_cap": d["weekly_cap"],
            "config": config,
            "secrets": {n: d.get(f"secret_{n}", "") for n in PROVIDER_SECRETS.get(self.channel, ())},
        }


class FatigueForm(forms.Form):
    daily_cap = forms.IntegerField(label=_("Messages per customer per day"), min_value=1, max_value=20)
    weekly_cap = forms.IntegerField(label=_("Messages per customer per week"), min_value=1, max_value=100)
    default_hour = forms.TypedChoiceField(
        label=_("Hour for customers without a preferred hour"),
        coerce=int,
        choices=[(h, f"{h:02d}:00") for h in range(24)],
    )
    tighten_for_tolerance = forms.BooleanField(
        label=_("Tighten the cap for customers who unsubscribe or never click"), required=False
    )

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if (
            data
            and data.get("daily_cap")
            and data.get("weekly_cap")
            and data["weekly_cap"] < data["daily_cap"]
        ):
            self.add_error("weekly_cap", _("A week allows at least as many messages as a day."))
        return data


# ---- templates -------------------------------------------------------------------------------------


class KeyValueField(forms.CharField):
    """``key: text`` one a line (a subscribe or template message's data), cleaned to an ordered dict."""

    widget = forms.Textarea(attrs={"rows": 5, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return "\n".join(f"{k}: {v}" for k, v in value.items())
        return value

    def clean(self, value: Any) -> dict[str, str]:
        text = super().clean(value) or ""
        rows: dict[str, str] = {}
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            key, sep, rest = line.replace("：", ":").partition(":")
            key = key.strip()
            if not sep or not key or not key.replace("_", "").isalnum() or not key.isascii():
                raise forms.ValidationError(
                    _("Line %(n)d: write the key, a colon, then the text (thing1: {{ coupon.name }}).")
                    % {"n": n}
                )
            rows[key] = rest.strip()
        if len(rows) > 20:
            raise forms.ValidationError(_("At most %(n)d lines.") % {"n": 20})
        return rows


class ParamsField(forms.CharField):
    """An SMS template's parameters in order, one a line."""

    widget = forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(v) for v in value)
        return value

    def clean(self, value: Any) -> list[str]:
        text = super().clean(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class JsonField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 8, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, indent=2)
        return value

    def clean(self, value: Any) -> dict[str, Any]:
        text = super().clean(value) or ""
        try:
            data = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(error)s") % {"error": exc.msg}) from exc
        if not isinstance(data, dict):
            raise forms.ValidationError(_("Write a JSON object ({...})."))
        return data


# The form fields each channel's template has, beyond its name. ``fields.<key>`` are the template's
# ``fields`` JSON; the others are MessageTemplate columns.
TEMPLATE_SHAPES: dict[str, tuple[str, ...]] = {
    Channel.SUBSCRIBE_MESSAGE: ("external_id", "data", "page"),
    Channel.OFFICIAL_ACCOUNT: ("external_id", "data", "page", "link_url"),
    Channel.WECOM: ("text", "page", "link_url"),
    Channel.WECOM_GROUP: ("text", "page", "link_url"),
    Channel.SMS: ("external_id", "params"),
    Channel.EMAIL: ("subject", "body", "link_url"),
    Channel.WEBHOOK: ("json",),
}
EXTERNAL_ID_LABELS: dict[str, Any] = {
    Channel.SUBSCRIBE_MESSAGE: _("Template ID (priTmplId)"),
    Channel.OFFICIAL_ACCOUNT: _("Template ID (template_id)"),
    Channel.SMS: _("SMS template ID"),
}
DATA_HELP: dict[str, Any] = {
    Channel.SUBSCRIBE_MESSAGE: _(
        "One field a line, as the template in WeChat's admin names it: thing1: {{ coupon.name }}"
    ),
    Channel.OFFICIAL_ACCOUNT: _("One field a line: keyword1: {{ order.number }}"),
}


class TemplateForm(forms.Form):
    """A message template of one channel: its own fields (see ``TEMPLATE_SHAPES``)."""

    name = forms.CharField(label=_("Name"), max_length=64)

    def __init__(self, *args: Any, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel = channel
        for name in TEMPLATE_SHAPES[channel]:
            self.fields[name] = self._field(name)

    def _field(self, name: str) -> forms.Field:
        if name == "external_id":
            return forms.CharField(label=EXTERNAL_ID_LABELS[self.channel], max_length=128)
        if name == "data":
            return KeyValueField(label=_("Fields"), help_text=DATA_HELP[self.channel])
        if name == "page":
            return forms.CharField(
                label=_("Mini-program page a tap opens"),
                max_length=255,
                required=False,
                help_text=_("e.g. pages/coupon/index"),
            )
        if name == "link_url":
            return forms.URLField(label=_("Link ({{ link }} tracks it)"), max_length=500, required=False)
        if name == "text":
            return forms.CharField(label=_("Text"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))
        if name == "params":
            return ParamsField(
                label=_("Parameters, in the template's order"),
                help_text=_("One a line: {1} is the first line, {2} the second..."),
            )
        if name == "subject":
            return forms.CharField(label=_("Subject"), max_length=200)
        if name == "body":
            return forms.CharField(
                label=_("Body"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 8})
            )
        assert name == "json"
        return JsonField(
            label=_("JSON sent to the webhook"), help_text=_('e.g. {"text": "{{ customer.nickname }}"}')
        )

    @classmethod
    def initial_of(cls, template: MessageTemplate) -> dict[str, Any]:
        fields = template.fields or {}
        return {
            "name": template.name,
            "external_id": template.external_id,
            "page": template.page,
            "link_url": template.link_url,
            "data": fields,
            "text": fields.get("text", ""),
            "params": fields.get("params", []),
            "subject": fields.get("subject", ""),
            "body": fields.get("body", ""),
            "json": fields,
        }

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        shape = TEMPLATE_SHAPES[self.channel]
        if "data" in shape:
            fields: dict[str, Any] = dict(d["data"])
        elif "text" in shape:
            fields = {"text": d["text"]}
        elif "params" in shape:
            fields = {"params": d["params"]}
        elif "subject" in shape:
            fields = {"subject": d["subject"], "body": d["body"]}
        else:
            fields = dict(d["json"])
        return {
            "name": d["name"],
            "channel": self.channel,
            "external_id": d.get("external_id", ""),
            "fields": fields,
            "page": d.get("page", ""),
            "link_url": d.get("link_url", ""),
        }

    def field_of(self, problem_field: str) -> str | None:
        """Which of this form's fields a channel's refusal names ("thing1", "fields.subject", "page")."""
        name = problem_field.removeprefix("fields.").removeprefix("fields[").rstrip("]").strip("'\"")
        if name in self.fields:
            return name
        shape = TEMPLATE_SHAPES[self.channel]
        for holder in ("data", "params", "json", "text", "body"):
            if holder in shape:
                return holder
        return None


class ChannelPickForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices)


class PreviewForm(PickerForm):
    customer = PickField(kind="customer", multiple=False, label=_("Preview for"), required=True)


# ---- broadcasts ------------------------------------------------------------------------------------


class BroadcastForm(PickerForm):
    """A broadcast's audience, channel order, time, budget rule, holdout and coupon."""

    name = forms.CharField(label=_("Name"), max_length=64)
    segment = PickField(kind="segment", multiple=False, label=_("Audience (segment)"), required=True)
    template_1 = forms.TypedChoiceField(label=_("First choice"), coerce=int, choices=())
    template_2 = forms.TypedChoiceField(
        label=_("If unreachable, then"), coerce=int, choices=(), required=False, empty_value=None
    )
    template_3 = forms.TypedChoiceField(
        label=_("If still unreachable, then"), coerce=int, choices=(), required=False, empty_value=None
    )
    send_time = forms.ChoiceField(label=_("Send"), choices=SEND_TIMES, initial=SendTime.NOW)
    send_at = DateTimeField(
        label=_("From"),
        required=False,
        help_text=_("At a set time: when. At each customer's hour: from when."),
    )
    window_days = forms.IntegerField(
        label=_("Within days"),
        min_value=1,
        max_value=7,
        initial=1,
        help_text=_("At each customer's hour: the days their hour may fall in."),
    )
    over_budget = forms.ChoiceField(
        label=_("Customers over their fatigue budget"), choices=OverBudget.choices, initial=OverBudget.SKIP
    )
    priority = forms.IntegerField(
        label=_("Priority"),
        min_value=0,
        max_value=100,
        initial=50,
        help_text=_("Higher displaces lower in a customer's budget (0 to 100)."),
    )
    holdout = forms.DecimalField(
        label=_("Holdout share (%)"),
        min_value=0,
        max_value=50,
        decimal_places=2,
        initial=0,
        help_text=_("Planned but not sent, to measure the lift (0 to 50%)."),
    )
    coupon_template = TemplateField(label=_("Coupon sent with it (optional)"))

    def __init__(self, *args: Any, templates: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("template_1", "template_2", "template_3"):
            field = self.fields[name]
            assert isinstance(field, forms.TypedChoiceField)
            field.choices = [("", "—"), *templates]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if not data:
            return data
        chosen = [data.get(n) for n in ("template_1", "template_2", "template_3") if data.get(n)]
        if len(set(chosen)) != len(chosen):
            self.add_error("template_2", _("Each template once."))
        if data.get("send_time") == SendTime.AT and not data.get("send_at"):
            self.add_error("send_at", _("Say when to send."))
        return data

    @classmethod
    def initial_of(cls, broadcast: Any, template_ids: list[int]) -> dict[str, Any]:
        ids = [*template_ids, None, None, None]
        return {
            "name": broadcast.name,
            "segment": broadcast.segment_id,
            "template_1": ids[0],
            "template_2": ids[1],
            "template_3": ids[2],
            "send_time": broadcast.send_time,
            "send_at": broadcast.send_at,
            "window_days": broadcast.window_days,
            "over_budget": broadcast.over_budget,
            "priority": broadcast.priority,
            "holdout": f"{broadcast.holdout_bp / 100:g}",
            "coupon_template": broadcast.coupon_template_id,
        }

    def template_ids(self) -> list[int]:
        d = self.cleaned_data
        return [d[n] for n in ("template_1", "template_2", "template_3") if d.get(n)]

    def service_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"],
            "segment_id": d["segment"],
            "template_ids": self.template_ids(),
            "send_time": d["send_time"],
            "send_at": d["send_at"] if d["send_time"] != SendTime.NOW else None,
            "window_days": d["window_days"],
            "over_budget": d["over_budget"],
            "priority": d["priority"],
            "holdout_bp": int(d["holdout"] * 100),
            "coupon_template_id": d["coupon_template"],
        }


# A service names a field by its own name; the broadcast form calls it something else.
BROADCAST_ALIASES = {
    "segment_id": "segment",
    "template_ids": "template_1",
    "holdout_bp": "holdout",
    "coupon_template_id": "coupon_template",
}


def place_refusal(form: forms.Form, exc: Any, aliases: dict[str, str] | None = None) -> None:
    """Put a reach service's refusal on the form field it names.

    The engine names the field in ``detail["field"]`` (``{"field": "weekly_cap"}``, a channel's
    ``{"field": "thing1", "limit": 20}``); other detail keys name ids (``segment_id``). What names no
    field of the form becomes a form-wide error.
    """
    detail = exc.detail if isinstance(exc.detail, dict) else {}
    aliases = aliases or {}
    named = [str(detail["field"])] if "field" in detail else [str(k) for k in detail]
    extra = {k: v for k, v in detail.items() if k != "field"}
    for key in named:
        target = aliases.get(key, key)
        if hasattr(form, "field_of"):
            target = form.field_of(key) or target
        if target in form.fields:
            form.add_error(target, _refusal_text(exc, extra, key))
            return
    form.add_error(None, str(exc.text))


def _refusal_text(exc: Any, extra: dict[str, Any], key: str) -> str:
    from django.utils.translation import gettext as t

    if "limit" in extra and "length" in extra:
        return t("%(reason)s At most %(limit)s characters; this is %(length)s.") % {
            "reason": exc.text,
            "limit": extra["limit"],
            "length": extra["length"],
        }
    if "limit" in extra:
        return t("%(reason)s The limit is %(limit)s.") % {"reason": exc.text, "limit": extra["limit"]}
    if extra.get("unknown_variables"):
        return t("%(reason)s Unknown variables: %(names)s.") % {
            "reason": exc.text,
            "names": ", ".join(str(v) for v in extra["unknown_variables"]),
        }
    if extra.get("reason") == "taken":
        return t("Another template has this name.")
    return str(exc.text)
