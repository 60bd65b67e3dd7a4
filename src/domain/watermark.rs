//! Social DRM: the buyer's name written into the delivered file. A PDF gets a visible line
//! at the foot of every page and the name in its document information; an EPUB gets a
//! licence page at the end of its reading order and a `dc:rights` entry in its package
//! metadata.

use std::io::{Cursor, Read, Write};

use lopdf::{
    Dictionary, Document, Object, ObjectId,
    content::{Content, Operation},
    dictionary,
};

/// Name of the font resource the PDF watermark uses.
const FONT_NAME: &str = "HalshopWatermark";

/// The line written into delivered files.
pub fn licence_line(buyer: &str, reference: &str) -> String {
    format!("Licensed to {buyer} - order {reference}")
}

/// Adds `line` at the foot of every page of a PDF and to its document information.
pub fn watermark_pdf(bytes: &[u8], line: &str) -> Result<Vec<u8>, String> {
    let mut doc = Document::load_mem(bytes).map_err(|err| format!("not a readable PDF: {err}"))?;
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    if pages.is_empty() {
        return Err("the PDF has no page".into());
    }
    let text = latin1(line);
    for page_id in pages {
        add_font(&mut doc, page_id, font_id)?;
        let content = Content {
            operations: vec![
                Operation::new("q", vec![]),
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec![Object::Name(FONT_NAME.as_bytes().to_vec()), 8.into()]),
                Operation::new("Td", vec![36.into(), 18.into()]),
                Operation::new(
                    "Tj",
                    vec![Object::String(text.clone(), lopdf::StringFormat::Literal)],
                ),
                Operation::new("ET", vec![]),
                Operation::new("Q", vec![]),
            ],
        };
        doc.add_to_page_content(page_id, content)
            .map_err(|err| format!("cannot add the watermark: {err}"))?;
    }
    let info_id = doc.add_object(dictionary! {
        "Subject" => Object::String(text.clone(), lopdf::StringFormat::Literal),
        "Keywords" => Object::String(text, lopdf::StringFormat::Literal),
        "Producer" => Object::string_literal("halshop"),
    });
    doc.trailer.set("Info", info_id);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|err| format!("cannot write the PDF: {err}"))?;
    Ok(out)
}

/// PDF literal strings in the standard fonts are Latin-1; other characters become `?`.
fn latin1(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// Makes the watermark font available to a page, wherever its resources live.
fn add_font(doc: &mut Document, page_id: ObjectId, font_id: ObjectId) -> Result<(), String> {
    let (own, inherited) = doc
        .get_page_resources(page_id)
        .map_err(|err| format!("page resources: {err}"))?;
    let has_own = own.is_some();
    let page = doc
        .get_object(page_id)
        .and_then(Object::as_dict)
        .map_err(|err| format!("page: {err}"))?;
    let resources_ref = page.get(b"Resources").ok().and_then(|r| r.as_reference().ok());
    let mut resources: Dictionary = match (resources_ref, has_own) {
        (Some(id), _) => doc
            .get_object(id)
            .and_then(Object::as_dict)
            .cloned()
            .map_err(|err| format!("resources: {err}"))?,
        (None, true) => own.cloned().unwrap_or_default(),
        (None, false) => inherited
            .first()
            .and_then(|id| doc.get_object(*id).and_then(Object::as_dict).ok().cloned())
            .unwrap_or_default(),
    };
    let mut fonts: Dictionary = match resources.get(b"Font") {
        Ok(Object::Reference(id)) => doc
            .get_object(*id)
            .and_then(Object::as_dict)
            .cloned()
            .unwrap_or_default(),
        Ok(Object::Dictionary(fonts)) => fonts.clone(),
        _ => Dictionary::new(),
    };
    fonts.set(FONT_NAME, font_id);
    resources.set("Font", fonts);
    match resources_ref {
        Some(id) => {
            doc.objects.insert(id, Object::Dictionary(resources));
        }
        None => {
            let page = doc
                .get_object_mut(page_id)
                .and_then(Object::as_dict_mut)
                .map_err(|err| format!("page: {err}"))?;
            page.set("Resources", resources);
        }
    }
    Ok(())
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Adds a licence page and a `dc:rights` entry naming the buyer to an EPUB.
pub fn watermark_epub(bytes: &[u8], line: &str) -> Result<Vec<u8>, String> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|err| format!("not an EPUB: {err}"))?;
    let read = |archive: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str| -> Result<String, String> {
        let mut entry = archive.by_name(name).map_err(|err| format!("{name}: {err}"))?;
        let mut text = String::new();
        entry
            .read_to_string(&mut text)
            .map_err(|err| format!("{name}: {err}"))?;
        Ok(text)
    };
    let container = read(&mut archive, "META-INF/container.xml")?;
    let opf_path = container
        .split("full-path=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("META-INF/container.xml names no package document")?
        .to_owned();
    let opf = read(&mut archive, &opf_path)?;
    let escaped = xml_escape(line);
    let mut new_opf = opf.clone();
    for (closing, insert) in [
        ("</metadata>", format!("<dc:rights>{escaped}</dc:rights>")),
        (
            "</manifest>",
            "<item id=\"halshop-licence\" href=\"halshop-licence.xhtml\" media-type=\"application/xhtml+xml\"/>".to_owned(),
        ),
        ("</spine>", "<itemref idref=\"halshop-licence\"/>".to_owned()),
    ] {
        let at = new_opf
            .find(closing)
            .ok_or_else(|| format!("the package document has no {closing}"))?;
        new_opf.insert_str(at, &insert);
    }
    let dir = opf_path
        .rsplit_once('/')
        .map(|(dir, _)| format!("{dir}/"))
        .unwrap_or_default();
    let licence = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>Licence</title></head>\
         <body><p>{escaped}</p></body></html>\n"
    );

    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    // The mimetype entry comes first and uncompressed, as the EPUB container format asks.
    out.start_file("mimetype", stored)
        .map_err(|err| err.to_string())?;
    out.write_all(b"application/epub+zip")
        .map_err(|err| err.to_string())?;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|err| err.to_string())?;
        let name = entry.name().map_err(|err| err.to_string())?.into_owned();
        if name == "mimetype" || entry.is_dir() {
            continue;
        }
        let mut content = Vec::new();
        entry.read_to_end(&mut content).map_err(|err| err.to_string())?;
        if name == opf_path {
            content = new_opf.clone().into_bytes();
        }
        out.start_file(name, deflated).map_err(|err| err.to_string())?;
        out.write_all(&content).map_err(|err| err.to_string())?;
    }
    out.start_file(format!("{dir}halshop-licence.xhtml"), deflated)
        .map_err(|err| err.to_string())?;
    out.write_all(licence.as_bytes()).map_err(|err| err.to_string())?;
    let cursor = out.finish().map_err(|err| err.to_string())?;
    Ok(cursor.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licence_lines_name_the_buyer_and_order() {
        assert_eq!(
            licence_line("Marie Tremblay", "ABCD234567"),
            "Licensed to Marie Tremblay - order ABCD234567"
        );
    }

    #[test]
    fn non_latin1_characters_do_not_break_a_pdf_string() {
        assert_eq!(latin1("Zoë 李"), vec![b'Z', b'o', 0xEB, b' ', b'?']);
    }
}
