"""Reading and writing the texts of a response: code descriptions and receipt messages, per language."""

from __future__ import annotations

from collections.abc import Iterable

from handlers.decision import Description, ReceiptMessage
from handlers.xmlcommon import Element, Source, child, children, opt_sub, opt_text, sub, text


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


def write_descriptions(parent: Element, descriptions: Iterable[Description]) -> None:
    for description in descriptions:
        holder = sub(parent, "Description", lang=description.lang)
        sub(holder, "Short", description.short)
        opt_sub(holder, "Long", description.long)


def write_receipt_messages(parent: Element, messages: tuple[ReceiptMessage, ...]) -> None:
    if messages:
        holder = sub(parent, "ReceiptMessages")
        for message in messages:
            item = sub(holder, "Message", id=message.message_id)
            for lang, words in message.texts:
                sub(item, "Text", words, lang=lang)
