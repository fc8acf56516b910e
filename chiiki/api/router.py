"""One router for every operation, so a GET and a PUT on the same path share one URL
pattern. Operations need a token unless they say ``auth=READ``."""

from ninja import Router

from chiiki.api.auth import WRITE

router = Router(auth=WRITE)
