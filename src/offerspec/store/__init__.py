"""Live stores: where the applied catalog lives (SQLite now; PostgreSQL and HTTP later).

``base`` holds the interface (``Store``) and its values, ``url`` finds and opens a store,
``sqlite`` is the embedded default. Nothing is imported here, to keep ``--help`` fast.
"""
