"""The reach engine over HTTP (templates, channels, the fatigue policy, broadcasts, messages)."""
