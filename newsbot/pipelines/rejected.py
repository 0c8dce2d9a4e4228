"""Pages the parser refused (``Rejected``) reach the drops record like any other drop."""

from __future__ import annotations

from typing import Any

from newsbot.extensions.drops import StoryDropped
from newsbot.site.pages.story import Rejected


class RecordRejections:
    """The spider yields a ``Rejected`` for a story URL without a story; drop it here."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Rejected):
            raise StoryDropped(item.reason, item.duplicate_of)
        return item
