"""Channel adapters, one module each, registered by ``load_adapters`` at start-up (ReachConfig.ready)."""

from __future__ import annotations

import importlib

from siyu.reach.channels.base import ChannelAdapter, SendResult

__all__ = [
    "ADAPTER_MODULES",
    "ChannelAdapter",
    "SendResult",
    "adapter_for",
    "adapters",
    "load_adapters",
    "register",
]

# Each module calls register(<its adapter>) when imported.
ADAPTER_MODULES: list[str] = [
    "siyu.reach.channels.subscribe",
    "siyu.reach.channels.oa_template",
    "siyu.reach.channels.wecom",
    "siyu.reach.channels.sms",
    "siyu.reach.channels.email",
    "siyu.reach.channels.webhook",
]

_ADAPTERS: dict[str, ChannelAdapter] = {}


def register(adapter: ChannelAdapter) -> ChannelAdapter:
    _ADAPTERS[adapter.channel] = adapter
    return adapter


def load_adapters() -> None:
    for module in ADAPTER_MODULES:
        importlib.import_module(module)


def adapter_for(channel: str) -> ChannelAdapter:
    return _ADAPTERS[channel]


def adapters() -> dict[str, ChannelAdapter]:
    return dict(_ADAPTERS)
