"""The bodies the simulator sends, in Meta's shapes: error replies of the
Cloud API and status webhook payloads (entry[].changes[].value.statuses[])."""

import json
import re
import secrets

# What Meta reports for a message it could not deliver.
UNDELIVERABLE = {
    "code": 131026,
    "title": "Message undeliverable",
    "message": "Message undeliverable",
    "error_data": {"details": "Message Undeliverable."},
}


def wa_id(number: str) -> str:
    """Numbers as WhatsApp ids: 01712345678 and +880 1712-345678 -> 8801712345678."""
    digits = re.sub(r"\D", "", str(number))
    return "88" + digits if re.fullmatch(r"01[3-9]\d{8}", digits) else digits


def parse_send_request(raw: bytes) -> tuple[dict, str, str, str, list]:
    """(body, to as WhatsApp id, template name, language, body values) of a
    template send; ValueError if it is not one."""
    try:
        body = json.loads(raw)
        to, template = wa_id(body["to"]), body["template"]
        name, language = template["name"], template["language"]["code"]
        components = template.get("components") or []
        params = [p["text"] for c in components if c.get("type") == "body" for p in c.get("parameters", [])]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ValueError("not a template send") from None
    if body.get("messaging_product") != "whatsapp" or body.get("type") != "template" or not to:
        raise ValueError("not a template send")
    return body, to, str(name), str(language), params


def error_reply(code: int, message: str, details: str | None = None) -> dict:
    error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A" + secrets.token_hex(11)}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return {"error": error}


def template_error(known: dict | None, name: str, language: str, params: list) -> tuple[int, dict] | None:
    """Meta's answer to a template it cannot send, or None if it can.
    ``known`` None accepts any template; a count of None accepts any number of values."""
    if any(not str(value).strip() for value in params):
        return 400, error_reply(131008, "(#131008) Required parameter is missing", "Parameter text is empty.")
    if known is None:
        return None
    if name not in known:
        details = f"template name ({name}) does not exist in {language}"
        return 404, error_reply(132001, "(#132001) Template name does not exist in the translation", details)
    expected = known[name]
    if expected is not None and expected != len(params):
        details = (
            f"body: number of localizable_params ({len(params)}) "
            f"does not match the expected number of params ({expected})"
        )
        return 400, error_reply(
            132000, "(#132000) Number of parameters does not match the expected number of params", details
        )
    return None


def status_payload(phone_number_id: str, wamid: str, wa_id: str, status: str, timestamp: int) -> dict:
    item: dict = {"id": wamid, "status": status, "timestamp": str(timestamp), "recipient_id": wa_id}
    if status in ("sent", "delivered"):
        item["conversation"] = {"id": secrets.token_hex(16), "origin": {"type": "utility"}}
        item["pricing"] = {"billable": True, "pricing_model": "CBP", "category": "utility"}
    if status == "failed":
        item["errors"] = [UNDELIVERABLE]
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001234", "phone_number_id": phone_number_id},
        "statuses": [item],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "200000000000001", "changes": [{"value": value, "field": "messages"}]}],
    }
