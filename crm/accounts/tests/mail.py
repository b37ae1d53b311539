"""Reading the letters that the smtp_sink fixture received."""

from __future__ import annotations

import email
import re
from email import policy


def parse(message: dict) -> email.message.EmailMessage:
    # Parsed from bytes: an 8bit UTF-8 body read as a string comes back escaped.
    return email.message_from_bytes(message["data"].encode(), policy=policy.default)


def body_of(message: dict) -> str:
    return parse(message).get_body(preferencelist=("plain",)).get_content()


def link_in(message: dict, base_url: str) -> str:
    """The path of the first link to `base_url` in a letter."""
    found = re.search(re.escape(base_url.rstrip("/")) + r"(/\S+)", body_of(message))
    assert found, body_of(message)
    return found.group(1)
