"""WeCom customer tags synced both ways with Siyu's tags, and WeCom customer groups (客户群).

docs/wechat/wecom-groups-and-tags.md describes the sync, the loop guard and what the sandbox fakes.
"""
