"""WeChat as a carrier: per-merchant accounts, access tokens, message crypto, and the sandbox."""
