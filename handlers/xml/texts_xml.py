"""Reading and writing the texts of a response: code descriptions and receipt messages, per language."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from handlers.decision import Description, ReceiptMessage
from handlers.xml.xmlcommon import Source, child, children, opt_text, text
from handlers.xml.xmltext import container, leaf, opt_leaf


def read_descriptions(element: Source) -> tuple[Description, ...]:
    return tuple(
        Description(item.get("lang", ""), text(item, "Short"), opt_text(item, "Long"))
        for item in children(element, "Description")
    )


def read_receipt_messages(element: Source) -> tuple[ReceiptMessage, ...]:
    found = child(element, "ReceiptMessages")
    if found is None:
        return ()
    return tuple(
        ReceiptMessage(
            item.get("id", ""),
            tuple((part.get("lang", ""), (part.text or "").strip()) for part in children(item, "Text")),
        )
        for item in children(found, "Message")
    )


def descriptions_text(descriptions: Iterable[Description]) -> str:
    return "".join(
        container("Description", leaf("Short", item.short) + opt_leaf("Long", item.long), lang=item.lang)
        for item in descriptions
    )


@functools.lru_cache(maxsize=1024)
def receipt_messages_text(messages: tuple[ReceiptMessage, ...]) -> str:
    """The messages' XML; lines share a handful of message sets, so each is written once and reused."""
    items = "".join(
        container(
            "Message", "".join(leaf("Text", words, lang=lang) for lang, words in message.texts), id=message.message_id
        )
        for message in messages
    )
    return container("ReceiptMessages", items) if items else ""
