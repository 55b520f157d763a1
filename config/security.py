"""Response headers Django does not set itself: Content-Security-Policy and
Permissions-Policy (Django 5.2 has no built-in CSP). SecurityMiddleware already
sets HSTS (production), X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy; XFrameOptionsMiddleware sets X-Frame-Options.

The policy lives in settings.CONTENT_SECURITY_POLICY (directive -> sources);
every relaxation there is explained next to it. A view that needs a stricter
policy (a private attachment streamed inline) sets its own header, which is
kept as it is.
"""

from urllib.parse import urlsplit

from django.conf import settings

CSP_HEADER = "Content-Security-Policy"
PERMISSIONS_HEADER = "Permissions-Policy"
# Chrome's built-in PDF viewer renders a PDF inside a document the policy
# would also govern; a PDF carries no page scripts of ours to protect.
EXEMPT_CONTENT_TYPES = ("application/pdf",)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def bkash_pay_origins() -> list[str]:
    """Where "Pay with bKash" sends the browser. CSP form-action also governs the
    redirect that follows a form post, so the payer page's origin must be allowed:
    BKASH_PAY_ORIGINS when set, else BKASH_BASE_URL's origin (the simulator serves
    its payer page there) and bKash's own payer pages (https://*.bkash.com:
    payment.bkash.com live, sandbox.payment.bkash.com in the sandbox)."""
    configured = getattr(settings, "BKASH_PAY_ORIGINS", None)
    if configured:
        return list(configured)
    origins = [_origin(getattr(settings, "BKASH_BASE_URL", ""))]
    return [o for o in origins if o] + ["https://*.bkash.com"]


def content_security_policy() -> str:
    directives = {name: list(sources) for name, sources in settings.CONTENT_SECURITY_POLICY.items()}
    if "form-action" in directives:
        for origin in bkash_pay_origins():
            if origin not in directives["form-action"]:
                directives["form-action"].append(origin)
    return "; ".join(f"{name} {' '.join(sources)}".strip() for name, sources in directives.items())


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response
    (except PDFs for the CSP) that does not carry its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        if CSP_HEADER not in response and content_type not in EXEMPT_CONTENT_TYPES:
            response[CSP_HEADER] = content_security_policy()
        if PERMISSIONS_HEADER not in response and settings.PERMISSIONS_POLICY:
            response[PERMISSIONS_HEADER] = settings.PERMISSIONS_POLICY
        return response
