"""Streaming a private file (MEDIA_ROOT is never served): the one place that opens it
from storage and sets the headers that keep a browser from running it, so no download
(portal or admin) can forget one."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

SANDBOX_CSP = "default-src 'none'; sandbox"


def private_file_response(
    file: FieldFile, *, content_type: str, missing: str, cache: str, sandbox: bool = True, **response_kwargs
) -> FileResponse:
    """The file as a response, or 404 with ``missing`` when storage no longer has it.
    ``response_kwargs`` go to FileResponse (filename, as_attachment)."""
    try:
        handle = file.storage.open(file.name, "rb")
    except FileNotFoundError as exc:
        raise Http404(missing) from exc
    response = FileResponse(handle, content_type=content_type, **response_kwargs)
    response["Cache-Control"] = cache
    response["X-Content-Type-Options"] = "nosniff"
    if sandbox:
        response["Content-Security-Policy"] = SANDBOX_CSP
    return response


def pdf_response(file: FieldFile, *, filename: str) -> FileResponse:
    """An invoice or receipt PDF, shown inline and kept by no cache. No sandbox: a sandboxed
    document may not run the browser's PDF viewer (config.security leaves PDFs without a CSP too)."""
    return private_file_response(
        file, content_type="application/pdf", filename=filename, missing="No PDF here.", cache="private, no-store",
        sandbox=False,
    )  # fmt: skip
