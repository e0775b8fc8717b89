"""Progress report PDF: opens, text extractable with accents, first page draws."""
import io
from pathlib import Path

import pypdfium2 as pdfium
from pypdf import PdfReader

from services.reports.adapters.rendering.html import render_pdf

from sample_models import make_model

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "reports"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_pdf_opens_and_contains_goal_statements_with_accents(model):
    pdf = render_pdf(model)
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    assert reader.metadata.title == "Progress report: José Muñoz"
    text = " ".join(_text(pdf).split())
    assert "Leer 20 minutos cada día, señalar palabras difíciles" in text
    assert "Know multiplication facts to 10 by December" in text
    assert "Escuela Peña" in text and "Ms. Álvarez" in text
    assert "October 5, 2026" in text and "Next steps" in text


def test_pdf_uses_an_embedded_truetype_font(model):
    reader = PdfReader(io.BytesIO(render_pdf(model)))
    fonts = {f["/BaseFont"] for p in reader.pages
             for f in p["/Resources"]["/Font"].values()}
    assert fonts and all("BitstreamVeraSans" in str(f) for f in fonts), fonts


def test_spanish_pdf(model):
    text = " ".join(_text(render_pdf(make_model("es"))).split())
    assert "Informe de progreso: José Muñoz" in text
    assert "Próximos pasos" in text and "5 de octubre de 2026" in text


def test_first_page_renders_to_a_non_blank_png(model):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    doc = pdfium.PdfDocument(render_pdf(model))
    try:
        image = doc[0].render(scale=1.5).to_pil().convert("L")
    finally:
        doc.close()
    out = ARTIFACTS / "progress_report_page1.png"
    image.save(out)
    assert out.stat().st_size > 0
    dark = sum(1 for px in image.getdata() if px < 200)
    assert dark > 1000, f"page looks blank ({dark} dark pixels)"


def test_pdf_without_goals_or_checkins_still_builds():
    m = make_model()
    m["goals"][0]["checkins"] = []
    m["goals"] = m["goals"][:1]
    text = _text(render_pdf(m))
    assert "No check-ins recorded yet" in " ".join(text.split())
    m["goals"] = []
    assert "No goals have been set yet." in _text(render_pdf(m))
