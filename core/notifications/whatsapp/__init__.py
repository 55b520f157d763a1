"""WhatsApp Cloud API: client, webhook helpers and a loopback simulator.

Modules:
- ``client``: send template messages (``send_template``), errors as ``WhatsAppError``.
- ``webhook``: signature and subscription checks, status parsing, ``next_status``.
- ``phone``: phone numbers in the form the Cloud API wants.
- ``sender``: the outbox sender for ``Message.Channel.WHATSAPP``.
- ``simulator``: a fake Cloud API on loopback for tests and ``make run``.
"""
