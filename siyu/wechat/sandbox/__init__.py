"""The built-in WeChat sandbox: WeChat's side of every protocol Siyu speaks, in one local process.

Tests serve it in a thread (``base.serve_in_thread``); ``siyu demo`` runs it as ``siyu
wechat_sandbox`` so the demo shop pays, logs in, gets followed and added on WeCom without WeChat.
It imports nothing from Django: it is the other side of the wire, not part of Siyu.
"""
