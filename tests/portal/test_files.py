"""portal.files: the one helper that streams private files, and the PDF downloads on top of it."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db.models import FileField
from django.db.models.fields.files import FieldFile
from django.http import Http404

from portal.files import SANDBOX_CSP, pdf_response, private_file_response


def _stored(tmp_path, name: str, content: bytes) -> FieldFile:
    storage = FileSystemStorage(location=tmp_path)
    storage.save(name, ContentFile(content))
    return FieldFile(None, FileField(storage=storage), name)


def test_a_pdf_is_shown_inline_kept_by_no_cache_and_not_sandboxed(tmp_path):
    # given
    file = _stored(tmp_path, "invoices/INV-2026-000001_x1.pdf", b"%PDF-1.7 an invoice")
    # when
    response = pdf_response(file, filename="INV-2026-000001.pdf")
    # then: the headers the invoice and receipt downloads sent before they used the helper
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="INV-2026-000001.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Length"] == str(len(b"%PDF-1.7 an invoice"))
    # a sandboxed document may not run the browser's PDF viewer
    assert "Content-Security-Policy" not in response
    assert b"".join(response.streaming_content) == b"%PDF-1.7 an invoice"


def test_a_pdf_gone_from_storage_is_a_404(tmp_path):
    file = _stored(tmp_path, "receipts/RCT-2026-000001.pdf", b"%PDF-1.7")
    file.storage.delete(file.name)
    with pytest.raises(Http404):
        pdf_response(file, filename="RCT-2026-000001.pdf")


def test_other_private_files_are_sandboxed_unless_told(tmp_path):
    # given
    file = _stored(tmp_path, "tickets/a.png", b"\x89PNG")
    # when
    sandboxed = private_file_response(file, content_type="image/png", missing="No image.", cache="private")
    attachment = private_file_response(
        file, content_type="image/png", missing="No image.", cache="private", as_attachment=True, filename="x.png"
    )
    # then
    assert sandboxed["Content-Security-Policy"] == SANDBOX_CSP
    assert sandboxed["X-Content-Type-Options"] == "nosniff"
    assert attachment["Content-Disposition"] == 'attachment; filename="x.png"'
