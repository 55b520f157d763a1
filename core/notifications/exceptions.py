class MessageCancelled(Exception):
    """Raised while preparing a message that must not be sent at all: the
    message is marked FAILED at once with this reason, without retries."""
