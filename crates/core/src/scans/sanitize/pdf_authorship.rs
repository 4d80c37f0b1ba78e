//! Who touched a PDF and when, outside the Info dictionary: annotation authors, dates and
//! ids, digital signatures (signer's name, place, reason, certificate, time), article
//! threads' information dictionaries and web-capture information. Form
//! fields' names (`/T` of a field or widget, `/TU`, `/TM`) and everything shown stay.

use lopdf::{Dictionary, Document, Object};

use super::Removed;

/// Deepest nesting followed inside one object (the pre-scan already bounds it at 64).
const MAX_WALK_DEPTH: usize = 128;

/// Markup annotations (ISO 32000-2 §12.5.6.2), whose `/T` is the author's name, and
/// Popup, whose `/T` repeats its parent's.
const AUTHORED_SUBTYPES: &[&[u8]] = &[
    b"Text",
    b"FreeText",
    b"Line",
    b"Square",
    b"Circle",
    b"Polygon",
    b"PolyLine",
    b"Highlight",
    b"Underline",
    b"Squiggly",
    b"StrikeOut",
    b"Stamp",
    b"Caret",
    b"Ink",
    b"FileAttachment",
    b"Sound",
    b"Redact",
    b"Projection",
    b"Popup",
];
/// Every other annotation subtype (their `/T`, where a Widget has one, is a field name).
const OTHER_SUBTYPES: &[&[u8]] = &[
    b"Link",
    b"Widget",
    b"Screen",
    b"PrinterMark",
    b"TrapNet",
    b"Watermark",
    b"3D",
    b"RichMedia",
    b"Movie",
];

/// Drops annotation authors, dates and ids, and every signature value.
pub(super) fn strip_authorship(doc: &mut Document, removed: &mut Removed) {
    for object in doc.objects.values_mut() {
        if is_signature(object) {
            *object = Object::Null;
            removed.add("signature");
            continue;
        }
        walk(object, removed, 0);
    }
    if let Ok(catalog) = doc.catalog_mut() {
        // `/Perms` points at the signatures that certify the document (DocMDP, UR3).
        if catalog.remove(b"Perms").is_some() {
            removed.add("signature");
        }
        // Web capture: the URLs pages were fetched from, and when.
        if catalog.remove(b"SpiderInfo").is_some() {
            removed.add("web_capture");
        }
    }
}

fn walk(object: &mut Object, removed: &mut Removed, depth: usize) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    match object {
        Object::Dictionary(dict) => strip_dict(dict, removed, depth),
        Object::Stream(stream) => strip_dict(&mut stream.dict, removed, depth),
        Object::Array(items) => {
            for item in items {
                walk(item, removed, depth + 1);
            }
        }
        _ => {}
    }
}

fn strip_dict(dict: &mut Dictionary, removed: &mut Removed, depth: usize) {
    if let Some(authored) = annotation_kind(dict) {
        if authored && dict.remove(b"T").is_some() {
            removed.add("annotation_author");
        }
        for key in [b"M".as_slice(), b"CreationDate"] {
            if dict.remove(key).is_some() {
                removed.add("annotation_date");
            }
        }
        if authored && dict.remove(b"NM").is_some() {
            removed.add("annotation_id");
        }
    }
    // An article thread's information dictionary is a second Info (title, author, dates).
    if dict.has_type(b"Thread") && dict.remove(b"I").is_some() {
        removed.add("thread_info");
    }
    // A signature field's value is its signature dictionary; the field and its widget
    // (what the page shows) stay.
    let is_sig_field = matches!(dict.get(b"FT"), Ok(Object::Name(n)) if n.as_slice() == b"Sig");
    if is_sig_field && dict.remove(b"V").is_some() {
        removed.add("signature");
    }
    let direct_signatures: Vec<Vec<u8>> = dict
        .iter()
        .filter(|(_, value)| is_signature(value))
        .map(|(key, _)| key.clone())
        .collect();
    for key in direct_signatures {
        dict.remove(&key);
        removed.add("signature");
    }
    for (_, value) in dict.iter_mut() {
        walk(value, removed, depth + 1);
    }
}

/// `Some(true)` for an annotation whose `/T` is an author, `Some(false)` for another
/// annotation, `None` for anything else. An annotation is a dictionary with `/Type
/// /Annot`, or with a `/Rect` and an annotation subtype (`/Type` is optional there).
fn annotation_kind(dict: &Dictionary) -> Option<bool> {
    let subtype = match dict.get(b"Subtype") {
        Ok(Object::Name(name)) => Some(name.as_slice()),
        _ => None,
    };
    let authored = subtype.is_some_and(|s| AUTHORED_SUBTYPES.contains(&s));
    let known = authored || subtype.is_some_and(|s| OTHER_SUBTYPES.contains(&s));
    if dict.has_type(b"Annot") || (known && dict.has(b"Rect")) {
        Some(authored)
    } else {
        None
    }
}

/// A signature dictionary (`/Type /Sig` or `/DocTimeStamp`, or untyped with the
/// `/ByteRange` and `/Contents` every signature has).
fn is_signature(object: &Object) -> bool {
    let dict = match object {
        Object::Dictionary(dict) => dict,
        Object::Stream(stream) => &stream.dict,
        _ => return false,
    };
    dict.has_type(b"Sig")
        || dict.has_type(b"DocTimeStamp")
        || (dict.has(b"ByteRange") && dict.has(b"Contents") && dict.has(b"Filter"))
}
