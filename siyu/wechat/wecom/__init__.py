"""WeCom (企业微信) external contacts: guides' WeCom members, 渠道活码, contacts, welcome messages, transfers.

docs/wechat/wecom.md says what is implemented of each WeCom API and what the sandbox fakes.
"""
