"""Reading a test client's response: the page's text, its flash messages, and what a page costs."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def get_queries(client, path: str) -> int:
    """How many database queries GET ``path`` takes (the page must answer 200)."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)
