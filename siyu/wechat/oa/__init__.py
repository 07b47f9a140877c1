"""The official account (公众号) as a carrier: server callback, followers, auto-replies, QR codes.

Docs: docs/wechat/official-account.md. The callback is ``siyu/wechat/views/oa.py``; what it does
with each push is ``services.handle_push``.
"""
