#!/usr/bin/env python3
"""Writes the small sample files of the demo catalogue into content/ (<isbn>.<format>).

Each is a valid, minimal EPUB 3 or PDF 1.4 with a title page, so that downloads and
watermarking can be tried right after `cargo run --release`. Run from the repository root.
"""
import io
import os
import zipfile

BOOKS = [
    ("9780141439518", "epub", "Pride and Prejudice", "Jane Austen"),
    ("9780141439518", "pdf", "Pride and Prejudice", "Jane Austen"),
    ("9782070368228", "epub", "Les Misérables", "Victor Hugo"),
    ("9780140449136", "epub", "Crime and Punishment", "Fyodor Dostoevsky"),
    ("9780199535569", "pdf", "Frankenstein", "Mary Shelley"),
    ("9781503280786", "epub", "Moby-Dick", "Herman Melville"),
]


def epub(isbn, title, author):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml",
                   '<?xml version="1.0" encoding="UTF-8"?>\n'
                   '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                   '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
                   '</rootfiles></container>\n', compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/content.opf",
                   '<?xml version="1.0" encoding="UTF-8"?>\n'
                   '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
                   '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
                   f'<dc:identifier id="id">urn:isbn:{isbn}</dc:identifier><dc:title>{title}</dc:title>'
                   f'<dc:creator>{author}</dc:creator><dc:language>en</dc:language>'
                   '<meta property="dcterms:modified">2026-11-22T00:00:00Z</meta></metadata>'
                   '<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
                   '<item id="title" href="title.xhtml" media-type="application/xhtml+xml"/></manifest>'
                   '<spine><itemref idref="title"/></spine></package>\n', compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/nav.xhtml",
                   '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
                   '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
                   f'<head><title>{title}</title></head><body><nav epub:type="toc"><ol>'
                   f'<li><a href="title.xhtml">{title}</a></li></ol></nav></body></html>\n',
                   compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("OEBPS/title.xhtml",
                   '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
                   f'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}</title></head>'
                   f'<body><h1>{title}</h1><p>{author}</p><p>A halshop demo sample.</p></body></html>\n',
                   compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def pdf(title, author):
    text = f"BT /F1 24 Tf 72 720 Td ({title}) Tj ET BT /F1 14 Tf 72 690 Td ({author}) Tj ET " \
           "BT /F1 10 Tf 72 660 Td (A halshop demo sample.) Tj ET"
    stream = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Title (" + title.encode("latin-1") + b") /Author (" + author.encode("latin-1") + b") >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def main():
    os.makedirs("content", exist_ok=True)
    for isbn, fmt, title, author in BOOKS:
        data = epub(isbn, title, author) if fmt == "epub" else pdf(title, author)
        with open(os.path.join("content", f"{isbn}.{fmt}"), "wb") as f:
            f.write(data)
    print(f"wrote {len(BOOKS)} files into content/")


if __name__ == "__main__":
    main()
