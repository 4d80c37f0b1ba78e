//! What a stripped PDF holds, judged from outside: its JPEG images decode to the same
//! pixels and exiftool finds no EXIF, GPS, XMP or IPTC in them; annotation authors, dates
//! and ids, and signatures, are gone while form field names, values and notes stay.

use clinic_vault_core::scans::sanitize::{sanitize, sanitize_owned, ScanLimits};
use image::ImageFormat;
use lopdf::{Dictionary, Document, Object};

use super::corpus::dct_pdf_images;
use super::corpus_file;
use super::oracles::tool;

fn stripped(name: &str) -> Vec<u8> {
    let input = corpus_file(name);
    let out = sanitize(&input, &ScanLimits::default()).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    out.to_vec(&input)
}

/// Every dictionary in the file, direct ones inside others included.
fn dictionaries(doc: &Document) -> Vec<Dictionary> {
    fn collect(object: &Object, out: &mut Vec<Dictionary>) {
        match object {
            Object::Dictionary(dict) => {
                out.push(dict.clone());
                dict.iter().for_each(|(_, v)| collect(v, out));
            }
            Object::Stream(stream) => {
                out.push(stream.dict.clone());
                stream.dict.iter().for_each(|(_, v)| collect(v, out));
            }
            Object::Array(items) => items.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    doc.objects.values().for_each(|o| collect(o, &mut out));
    out
}

fn text<'a>(dict: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    match dict.get(key) {
        Ok(Object::String(s, _)) => Some(s.as_slice()),
        _ => None,
    }
}

fn name<'a>(dict: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    dict.get(key).and_then(Object::as_name).ok()
}

#[test]
fn jpeg_images_in_a_pdf_keep_their_pixels_and_lose_exif_gps_xmp_iptc() -> Result<(), String> {
    let out = stripped("good/dct-images-exif-gps.pdf");
    assert!(memchr::memmem::find(&out, b"SECRET").is_none());
    let doc = Document::load_mem(&out).map_err(|e| e.to_string())?;
    let mut images = Vec::new();
    for object in doc.objects.values() {
        let Object::Stream(stream) = object else {
            continue;
        };
        assert!(!stream.dict.has(b"Metadata"), "an image kept its /Metadata");
        assert!(
            !stream.dict.has_type(b"Metadata"),
            "a Metadata stream survived"
        );
        if name(&stream.dict, b"Subtype") == Some(b"Image") {
            // Stored as a plain JPEG: the filter in front of DCT was undone.
            assert_eq!(name(&stream.dict, b"Filter"), Some(b"DCTDecode".as_slice()));
            images.push(stream.content.clone());
        }
    }
    assert_eq!(images.len(), 2);
    let decode = |bytes: &[u8]| {
        image::load_from_memory_with_format(bytes, ImageFormat::Jpeg).map_err(|e| e.to_string())
    };
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for original in dct_pdf_images() {
        let before = decode(&original)?;
        let idx = images
            .iter()
            .position(|a| {
                decode(a)
                    .is_ok_and(|d| (d.width(), d.height()) == (before.width(), before.height()))
            })
            .ok_or("an image is missing")?;
        let kept = images.remove(idx);
        assert!(kept.len() < original.len(), "nothing was stripped");
        assert_eq!(
            decode(&kept)?.as_bytes(),
            before.as_bytes(),
            "pixels changed"
        );
        let path = dir.path().join("image.jpg");
        std::fs::write(&path, &kept).map_err(|e| e.to_string())?;
        let report = tool("exiftool", "libimage-exiftool-perl")
            .args(["-j", "-a", "-G1", "-s", "-u"])
            .arg(&path)
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&report.stdout);
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
        let tags = json[0].as_object().ok_or("no object")?;
        assert!(
            tags.contains_key("File:ImageWidth"),
            "exiftool read it: {text}"
        );
        for key in tags.keys() {
            let (group, tag) = key.split_once(':').unwrap_or(("", key));
            assert!(
                !["IFD0", "ExifIFD", "GPS", "IPTC", "Photoshop", "IFD1"].contains(&group)
                    && !group.starts_with("XMP")
                    && !tag.starts_with("GPS")
                    && tag != "Comment",
                "exiftool finds {key} in an embedded JPEG"
            );
        }
        assert!(!text.contains("SECRET"));
    }
    Ok(())
}

#[test]
fn annotation_authors_dates_and_ids_go_but_field_names_values_and_notes_stay() -> Result<(), String>
{
    let out = stripped("good/annotations-authors-dates.pdf");
    assert!(memchr::memmem::find(&out, b"SECRET").is_none());
    assert!(memchr::memmem::find(&out, b"D:2026").is_none());
    let doc = Document::load_mem(&out).map_err(|e| e.to_string())?;
    let dicts = dictionaries(&doc);
    let subtype = |s: &[u8]| dicts.iter().find(|d| name(d, b"Subtype") == Some(s));
    let note = subtype(b"Text").ok_or("the note is gone")?;
    assert_eq!(text(note, b"Contents"), Some(b"Check the dose".as_slice()));
    assert!(note.has(b"Popup"));
    let popup = subtype(b"Popup").ok_or("the popup is gone")?;
    assert!(subtype(b"Highlight").is_some_and(|h| h.has(b"QuadPoints")));
    let field = subtype(b"Widget").ok_or("the field is gone")?;
    assert_eq!(text(field, b"T"), Some(b"patient_name".as_slice()));
    assert_eq!(text(field, b"TU"), Some(b"Patient name".as_slice()));
    assert_eq!(text(field, b"TM"), Some(b"patient_name_export".as_slice()));
    assert_eq!(text(field, b"V"), Some(b"Visible value".as_slice()));
    for annotation in [note, popup, field] {
        for key in [b"M".as_slice(), b"CreationDate", b"NM"] {
            assert!(!annotation.has(key));
        }
    }
    Ok(())
}

#[test]
fn a_signed_pdf_keeps_its_signature_field_but_not_the_signature() -> Result<(), String> {
    let out = stripped("good/signed.pdf");
    assert!(memchr::memmem::find(&out, b"SECRET").is_none());
    let doc = Document::load_mem(&out).map_err(|e| e.to_string())?;
    let dicts = dictionaries(&doc);
    assert!(dicts
        .iter()
        .all(|d| !d.has_type(b"Sig") && !d.has(b"ByteRange")));
    let field = dicts
        .iter()
        .find(|d| name(d, b"FT") == Some(b"Sig"))
        .ok_or("the signature field is gone")?;
    assert_eq!(text(field, b"T"), Some(b"Signature1".as_slice()));
    assert!(!field.has(b"V"));
    assert!(!doc.catalog().map_err(|e| e.to_string())?.has(b"Perms"));
    Ok(())
}

#[test]
fn sanitize_owned_gives_the_same_bytes_and_answers_as_sanitize() -> Result<(), String> {
    let limits = ScanLimits::default();
    for case in super::corpus::cases() {
        let input = corpus_file(case.name);
        let borrowed = sanitize(&input, &limits);
        let owned = sanitize_owned(input.clone(), &limits);
        match (borrowed, owned) {
            (Ok(b), Ok(o)) => {
                assert_eq!(o.to_vec(), b.to_vec(&input), "{}", case.name);
                assert_eq!(o.scan().removed, b.removed, "{}", case.name);
                let mut streamed = Vec::new();
                std::io::Read::read_to_end(&mut o.reader(), &mut streamed)
                    .map_err(|e| e.to_string())?;
                assert_eq!(streamed, o.to_vec(), "{}", case.name);
            }
            (Err(b), Err(o)) => assert_eq!(b, o, "{}", case.name),
            (b, o) => return Err(format!("{}: {b:?} but owned {o:?}", case.name)),
        }
    }
    Ok(())
}
