"""Send-time context providers.

Some messages carry a value that must never be stored, such as a temporary
password. The app that owns the template registers a provider that is called
when the message is rendered for sending; what it returns is merged into the
context for that send only and never written to the database.
"""

from collections.abc import Callable

ContextProvider = Callable[[object], dict]
_providers: dict[str, ContextProvider] = {}


def register_context_provider(template: str, provider: ContextProvider) -> None:
    _providers[template] = provider


def send_time_context(message) -> dict:
    provider = _providers.get(message.template)
    return provider(message) if provider else {}
