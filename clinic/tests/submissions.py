"""Helpers for tests of create forms submitted twice (clinic/submissions.py): the token a page
carries, and the answer a repeated submit gets."""

from __future__ import annotations

import re

from django.contrib.messages import get_messages

from clinic.submissions import ALREADY_SAVED, FIELD

TOKEN = re.compile(rf'name="{FIELD}" value="([0-9a-f-]{{36}})"')


def tokens_in(response) -> list[str]:
    """The one-time tokens of the page's forms, in page order."""
    return TOKEN.findall(response.content.decode())


def token_in(response) -> str:
    """The page's only token (fails when there is none or more than one)."""
    [token] = tokens_in(response)
    return token


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def is_already_saved(response, url: str) -> bool:
    """The answer to a repeat: sent to what the first submit made, and told so (last: the
    first submit's own message is still unread when its redirect was not followed)."""
    return (
        response.status_code == 302
        and response["Location"] == url
        and said(response)[-1:] == [ALREADY_SAVED]
    )
