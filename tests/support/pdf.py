"""Reading a PDF the way a person would: its text."""

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), f"not a PDF: {data[:40]!r}"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
