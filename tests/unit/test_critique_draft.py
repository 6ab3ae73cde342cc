"""Reading drafts: formats, clear errors, structure with exact offsets."""

import io

import pytest

from assistant.corpus.errors import LoadError
from assistant.critique.draft import load_draft, parse_draft, read_draft_text


def test_txt_and_md_load():
    assert load_draft(b"Child A died.\n", "draft.txt").startswith("Child A died.")
    assert "Family" in load_draft("# Family involvement\n\nThe mother met the author.\n".encode(), "d.md")


def test_cp1252_and_bom():
    assert "café" in load_draft("Le café.".encode("cp1252"), "d.txt")
    assert load_draft(b"\xef\xbb\xbfHello there", "d.txt") == "Hello there"


@pytest.mark.parametrize("data", [b"", b"   \n\t  "])
def test_empty_is_clear_error(data):
    with pytest.raises(LoadError, match="empty"):
        load_draft(data, "d.txt")


def test_binary_renamed_txt_rejected():
    with pytest.raises(LoadError, match="PNG"):
        load_draft(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "d.txt")


def test_nul_bytes_rejected():
    with pytest.raises(LoadError):
        load_draft(b"abc\x00\x00\x00def" * 10, "d.txt")


def test_unsupported_suffix():
    with pytest.raises(LoadError, match="unsupported"):
        load_draft(b"hello", "d.xlsx")


def test_fake_docx_rejected():
    with pytest.raises(LoadError, match="docx"):
        load_draft(b"just text", "d.docx")


def test_docx_headings_become_headings():
    import docx

    d = docx.Document()
    d.add_heading("Family involvement", 2)
    d.add_paragraph("The mother met the author twice.")
    buf = io.BytesIO()
    d.save(buf)
    text = load_draft(buf.getvalue(), "draft.docx")
    assert "## Family involvement" in text
    doc = parse_draft(text)
    assert doc.sentences[0].heading == "Family involvement"


def test_pdf_loads():
    fpdf = pytest.importorskip("fpdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Child B was seriously injured. The review covered 2010 to 2012.")
    text = load_draft(bytes(pdf.output()), "draft.pdf")
    assert "seriously injured" in text


def test_pasted_text_validation():
    with pytest.raises(LoadError, match="empty"):
        read_draft_text("  \n ")
    with pytest.raises(LoadError, match="max_draft_chars"):
        read_draft_text("word " * 1000, max_chars=1000)
    assert read_draft_text("Child A.\r\nLine two.") == "Child A.\nLine two."


def test_structure_headings_labels_offsets():
    text = ("Executive summary\n\nHow the review was conducted\nThe review covered 2010 to 2012. An independent author wrote it.\n\n"
            "1. Recommendations\n1.1 The police should audit this by March.\n"
            "• Family: the mother met the author.\n")
    doc = parse_draft(text)
    heads = [h.text for h in doc.headings]
    assert heads == ["Executive summary", "How the review was conducted", "Recommendations"]
    for s in doc.sentences:
        assert text[s.start:s.end] == s.text
    assert doc.sentences[0].heading == "How the review was conducted"
    fam = [s for s in doc.sentences if "mother" in s.text][0]
    assert fam.label == "Family"
    assert not any(h.text.startswith("The review covered") for h in doc.headings)
