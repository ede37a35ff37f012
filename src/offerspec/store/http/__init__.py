"""The HTTP store: plan and apply against a platform's plans REST API (docs/http-store.md).

``config`` (URL rules, token, TLS), ``client`` (httpx with retries), ``snapshot`` (the platform's
lists as a snapshot), ``steps`` (a plan as ordered REST steps), ``runner`` (carrying them out),
``store`` (the store protocol over them). Nothing is imported here: the CLI's options touch
``config`` without loading httpx.
"""
