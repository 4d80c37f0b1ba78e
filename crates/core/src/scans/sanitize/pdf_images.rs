//! Images inside a PDF: a `/DCTDecode` stream holds a whole JPEG file, EXIF, XMP, IPTC and
//! comments included, so each one goes through the JPEG importer's segment filter (pixels
//! untouched) and is stored again as a plain `/DCTDecode` stream. JPEG 2000 (`/JPXDecode`)
//! images are refused: their boxes and codestream comments are not filtered here; so are
//! JPEG and JPEG 2000 inline images in content streams, which cannot be cut out reliably.

use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::jpeg;
use super::pdf_scan::{name_is, regular_end};
use super::{Refusal, Removed, ScanKind};

/// Most bytes the filters in front of a DCT filter may decode to (one image).
const MAX_DECODED_IMAGE: usize = 64 * 1024 * 1024;
/// The filters lopdf can undo in front of a DCT filter, with their abbreviations (which
/// belong to inline images, but some readers accept them in stream dictionaries too).
const UNDOABLE: &[(&[u8], &[u8])] = &[
    (b"FlateDecode", b"Fl"),
    (b"LZWDecode", b"LZW"),
    (b"ASCII85Decode", b"A85"),
    (b"ASCIIHexDecode", b"AHx"),
    (b"RunLengthDecode", b"RL"),
];

/// Strips the metadata of every DCT image stream in the document; refuses JPX images and
/// DCT streams that are not JPEG files the segment filter accepts.
pub(super) fn strip_images(doc: &mut Document, removed: &mut Removed) -> Result<(), Refusal> {
    let ids: Vec<ObjectId> = doc
        .objects
        .iter()
        .filter(|(_, object)| matches!(object, Object::Stream(_)))
        .map(|(id, _)| *id)
        .collect();
    for id in ids {
        let (filters, params) = match doc.objects.get(&id) {
            Some(Object::Stream(stream)) => {
                let filters = filter_names(doc, stream)?;
                let params = decode_params(doc, stream, filters.len())?;
                (filters, params)
            }
            _ => continue,
        };
        if filters.iter().any(|f| f.as_slice() == b"JPXDecode") {
            return Err(Refusal::Unsupported {
                kind: ScanKind::Pdf,
                what: "jpx_image",
            });
        }
        let Some(dct_idx) = filters.iter().position(|f| f.as_slice() == b"DCTDecode") else {
            continue;
        };
        if dct_idx + 1 != filters.len() {
            return Err(unsupported("dct_filter_chain"));
        }
        let Some(Object::Stream(stream)) = doc.objects.get_mut(&id) else {
            continue;
        };
        let filters_before = filters.get(..dct_idx).unwrap_or(&[]);
        strip_dct(stream, filters_before, params, removed)?;
    }
    Ok(())
}

/// Most bytes of an inline image's dictionary read (it is a few names and numbers).
const MAX_INLINE_DICT: usize = 4096;
/// Filters of inline images that are refused (full names and abbreviations).
const JPEG_FILTERS: &[&[u8]] = &[b"DCTDecode", b"DCT", b"JPXDecode"];

/// Refuses an inline image (`BI … ID … EI` in a content stream) encoded as JPEG or JPEG
/// 2000: it would carry its metadata, and its data has no length to cut it out by.
/// Every stream that may be content is decoded (within the image limit) and searched.
pub(super) fn check_inline_images(doc: &Document) -> Result<(), Refusal> {
    for object in doc.objects.values() {
        let Object::Stream(stream) = object else {
            continue;
        };
        if !may_be_content(&stream.dict) {
            continue;
        }
        let decoded;
        let content: &[u8] = if stream.dict.has(b"Filter") {
            match stream.decompressed_content_with_limit(MAX_DECODED_IMAGE) {
                Ok(bytes) => {
                    decoded = bytes;
                    &decoded
                }
                Err(lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded {
                    ..
                })) => {
                    return Err(Refusal::DecodeLimit {
                        kind: ScanKind::Pdf,
                    })
                }
                // A filter lopdf cannot undo: no reader takes it as content either.
                Err(_) => continue,
            }
        } else {
            &stream.content
        };
        if has_jpeg_inline_image(content) {
            return Err(unsupported("inline_jpeg_image"));
        }
    }
    Ok(())
}

/// Whether a stream can be a content stream (page, form, pattern, glyph, appearance):
/// not an image, metadata, cross-reference or object stream, nor a font program.
fn may_be_content(dict: &Dictionary) -> bool {
    let name = |key: &[u8]| dict.get(key).and_then(Object::as_name).ok();
    let not_content_types: &[&[u8]] = &[b"Metadata", b"XRef", b"ObjStm", b"EmbeddedFile"];
    let font_subtypes: &[&[u8]] = &[b"Type1C", b"CIDFontType0C", b"OpenType"];
    !(name(b"Subtype") == Some(b"Image")
        || name(b"Type").is_some_and(|t| not_content_types.contains(&t))
        || name(b"Subtype").is_some_and(|t| font_subtypes.contains(&t))
        || dict.has(b"Length1")
        || dict.has(b"Length2")
        || dict.has(b"Length3"))
}

/// Whether content holds a `BI` operator whose dictionary names a JPEG filter.
fn has_jpeg_inline_image(content: &[u8]) -> bool {
    let separator = |b: Option<&u8>| {
        b.is_none_or(|b| b.is_ascii_whitespace() || b"\0\x0C[]<>(){}/%".contains(b))
    };
    for at in memchr::memmem::find_iter(content, b"BI") {
        let before = at.checked_sub(1).and_then(|idx| content.get(idx));
        if !separator(before) || !separator(content.get(at + 2)) {
            continue;
        }
        let end = content.len().min(at + 2 + MAX_INLINE_DICT);
        let dict = content.get(at + 2..end).unwrap_or(&[]);
        let mut pos = 0usize;
        while let Some(&byte) = dict.get(pos) {
            if byte.is_ascii_whitespace() || byte == b'\0' || byte == b'\x0C' {
                pos += 1;
                continue;
            }
            if byte == b'/' {
                let name_end = regular_end(dict, pos + 1);
                let name = dict.get(pos + 1..name_end).unwrap_or(&[]);
                if JPEG_FILTERS.iter().any(|f| name_is(name, f)) {
                    return true;
                }
                pos = name_end;
                continue;
            }
            let token_end = regular_end(dict, pos).max(pos + 1);
            if dict.get(pos..token_end) == Some(b"ID".as_slice()) {
                break;
            }
            pos = token_end;
        }
    }
    false
}

/// The stream's filters by their full names, references resolved (one level).
fn filter_names(doc: &Document, stream: &Stream) -> Result<Vec<Vec<u8>>, Refusal> {
    let Ok(filter) = stream.dict.get(b"Filter") else {
        return Ok(Vec::new());
    };
    let filter = resolve(doc, filter)?;
    let names: Vec<&Object> = match filter {
        Object::Null => return Ok(Vec::new()),
        Object::Name(_) => vec![filter],
        Object::Array(items) => items
            .iter()
            .map(|item| resolve(doc, item))
            .collect::<Result<_, _>>()?,
        _ => return Err(malformed("stream_filter")),
    };
    names
        .into_iter()
        .map(|name| match name {
            Object::Name(name) => Ok(full_name(name)),
            _ => Err(malformed("stream_filter")),
        })
        .collect()
}

/// The stream's `/DecodeParms` as one entry a filter (`Null` where a filter has none; a
/// lone dictionary stands for every filter, as lopdf reads it).
fn decode_params(
    doc: &Document,
    stream: &Stream,
    n_filters: usize,
) -> Result<Vec<Object>, Refusal> {
    let Ok(params) = stream.dict.get(b"DecodeParms") else {
        return Ok(Vec::new());
    };
    match resolve(doc, params)? {
        Object::Array(items) => items
            .iter()
            .map(|item| resolve(doc, item).cloned())
            .collect(),
        Object::Dictionary(dict) => Ok(vec![Object::Dictionary(dict.clone()); n_filters]),
        Object::Null => Ok(Vec::new()),
        _ => Err(malformed("stream_decode_params")),
    }
}

fn resolve<'a>(doc: &'a Document, object: &'a Object) -> Result<&'a Object, Refusal> {
    match object {
        Object::Reference(id) => match doc.objects.get(id) {
            Some(Object::Reference(_)) | None => Err(malformed("stream_filter")),
            Some(target) => Ok(target),
        },
        other => Ok(other),
    }
}

fn full_name(name: &[u8]) -> Vec<u8> {
    if name == b"DCT" {
        return b"DCTDecode".to_vec();
    }
    UNDOABLE
        .iter()
        .find(|(_, short)| *short == name)
        .map_or_else(|| name.to_vec(), |(full, _)| full.to_vec())
}

/// Undoes the filters in front of the DCT filter, keeps only the JPEG segments display
/// needs (compacted in place, nothing copied), and stores the result as `/DCTDecode` alone.
fn strip_dct(
    stream: &mut Stream,
    filters_before: &[Vec<u8>],
    params: Vec<Object>,
    removed: &mut Removed,
) -> Result<(), Refusal> {
    let mut jpeg_bytes = if filters_before.is_empty() {
        std::mem::take(&mut stream.content)
    } else {
        undo_filters(stream, filters_before, &params)?
    };
    let walk = jpeg::walk(&jpeg_bytes).map_err(|_| malformed("dct_image"))?;
    for name in &walk.removed.0 {
        removed.add(name);
    }
    if !walk.trailing.is_empty() {
        removed.add("trailing_data");
    }
    let mut len = 0usize;
    for range in super::body::merge(walk.kept) {
        let n = range.end.saturating_sub(range.start);
        if range.start > range.end || range.end > jpeg_bytes.len() {
            return Err(malformed("dct_image"));
        }
        jpeg_bytes.copy_within(range, len);
        len += n;
    }
    jpeg_bytes.truncate(len);
    if !filters_before.is_empty() {
        stream
            .dict
            .set("Filter", Object::Name(b"DCTDecode".to_vec()));
        stream.dict.remove(b"DL");
        match params.into_iter().nth(filters_before.len()) {
            Some(Object::Null) | None => {
                stream.dict.remove(b"DecodeParms");
            }
            Some(last) => stream.dict.set("DecodeParms", last),
        }
    }
    stream.set_content(jpeg_bytes);
    Ok(())
}

/// The stream's bytes with the filters in front of the DCT filter undone, by lopdf's own
/// decoders and within [`MAX_DECODED_IMAGE`].
fn undo_filters(
    stream: &mut Stream,
    filters_before: &[Vec<u8>],
    params: &[Object],
) -> Result<Vec<u8>, Refusal> {
    if filters_before
        .iter()
        .any(|f| !UNDOABLE.iter().any(|(full, _)| *full == f.as_slice()))
    {
        return Err(unsupported("dct_filter_chain"));
    }
    let mut dict = Dictionary::new();
    dict.set(
        "Filter",
        Object::Array(
            filters_before
                .iter()
                .map(|f| Object::Name(f.clone()))
                .collect(),
        ),
    );
    dict.set(
        "DecodeParms",
        Object::Array(
            (0..filters_before.len())
                .map(|idx| params.get(idx).cloned().unwrap_or(Object::Null))
                .collect(),
        ),
    );
    let encoded = Stream::new(dict, std::mem::take(&mut stream.content));
    encoded
        .decompressed_content_with_limit(MAX_DECODED_IMAGE)
        .map_err(|e| match e {
            lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
                Refusal::DecodeLimit {
                    kind: ScanKind::Pdf,
                }
            }
            _ => malformed("dct_image"),
        })
}

fn malformed(what: &'static str) -> Refusal {
    Refusal::Malformed {
        kind: ScanKind::Pdf,
        what,
    }
}

fn unsupported(what: &'static str) -> Refusal {
    Refusal::Unsupported {
        kind: ScanKind::Pdf,
        what,
    }
}

#[cfg(test)]
mod tests {
    use super::has_jpeg_inline_image;

    #[test]
    fn inline_jpeg_images_are_found_by_their_filter_however_it_is_spelled() {
        for content in [
            b"q BI /W 2 /H 2 /F /DCT ID xx EI Q".as_slice(),
            b"BI/W 2/H 2/Filter/DCTDecode ID xx EI",
            b"q\nBI /W 2 /H 2 /F [/AHx /DC#54] ID xx EI",
            b"BI /F /JPXDecode /W 2 /H 2 ID xx EI",
        ] {
            assert!(
                has_jpeg_inline_image(content),
                "{}",
                String::from_utf8_lossy(content)
            );
        }
    }

    #[test]
    fn other_inline_images_and_look_alikes_are_not_refused() {
        for content in [
            b"q BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\xff\xff\x00 EI Q".as_slice(),
            b"BI /W 2 /H 2 /F /AHx ID 00ff EI",
            // The filter name after ID is image data, not the dictionary.
            b"BI /W 2 /H 2 ID /DCT EI",
            // `BI` inside a longer token is not the operator.
            b"/ABIX /DCT",
            b"",
        ] {
            assert!(
                !has_jpeg_inline_image(content),
                "{}",
                String::from_utf8_lossy(content)
            );
        }
    }
}
