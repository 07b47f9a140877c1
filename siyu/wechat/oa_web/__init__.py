"""The official account's web side: OAuth web login for the H5 storefront and the custom menu.

``oauth.py`` speaks WeChat's web OAuth (authorize URL, ``sns/oauth2/access_token``,
``sns/userinfo``) and ``state.py`` makes the CSRF-safe ``state``; ``menu.py`` validates a menu the
way WeChat's ``cgi-bin/menu/create`` does and ``services.py`` saves drafts and publishes them.
"""
