//! PDF: pre-scan, parse (lopdf), refuse encryption and active content, count pages
//! through a bounded walk of the page tree, drop the Info dictionary, every Metadata
//! stream, PieceInfo and the file ID (authorship and images: `pdf_authorship`,
//! `pdf_images`), and rewrite the whole file (which also drops old revisions and
//! unreferenced objects); then check that the rewrite parses again.

use std::collections::BTreeSet;

use lopdf::{Dictionary, Document, LoadOptions, Object, ObjectId};

use super::body::Body;
use super::pdf_scan::{self, name_is};
use super::{pdf_authorship, pdf_images};
use super::{sniff, Refusal, Removed, Sanitized, ScanKind, ScanLimits};

const KIND: ScanKind = ScanKind::Pdf;
/// Most bytes one stream may decompress to while the file loads (object streams).
const MAX_DECOMPRESSED_STREAM: usize = 64 * 1024 * 1024;
/// Deepest page tree accepted (a balanced tree of 200 pages is 3 or 4 levels deep).
const MAX_PAGE_TREE_DEPTH: usize = 32;
/// Deepest nesting the forbidden-key walk follows inside one object (the pre-scan and
/// the parser already bound it; this keeps the walk safe on its own).
const MAX_WALK_DEPTH: usize = 128;

/// Keys whose presence anywhere is refused, with the feature's name.
const FORBIDDEN_KEYS: &[(&[u8], &str)] = &[
    (b"JS", "javascript"),
    (b"JavaScript", "javascript"),
    (b"AA", "additional_actions"),
    (b"Launch", "launch"),
    (b"EmbeddedFile", "embedded_file"),
    (b"EmbeddedFiles", "embedded_file"),
    (b"EF", "embedded_file"),
    (b"RichMedia", "rich_media"),
    (b"RichMediaContent", "rich_media"),
    (b"RichMediaSettings", "rich_media"),
    (b"XFA", "xfa"),
    (b"SubmitForm", "submit_form"),
    (b"GoToR", "remote_goto"),
    (b"GoToE", "embedded_goto"),
    (b"ImportData", "import_data"),
];

/// Values of `/S`, `/Type` or `/Subtype` that are refused.
const FORBIDDEN_NAMES: &[(&[u8], &str)] = &[
    (b"JavaScript", "javascript"),
    (b"Launch", "launch"),
    (b"SubmitForm", "submit_form"),
    (b"ImportData", "import_data"),
    (b"GoToR", "remote_goto"),
    (b"GoToE", "embedded_goto"),
    (b"URI", "uri_action"),
    (b"RichMedia", "rich_media"),
    (b"RichMediaExecute", "rich_media"),
    (b"Rendition", "multimedia"),
    (b"Movie", "multimedia"),
    (b"Sound", "multimedia"),
    (b"Screen", "multimedia"),
    (b"EmbeddedFile", "embedded_file"),
    (b"FileAttachment", "embedded_file"),
];

/// What the parse learned from the input, so the input can go before the rewrite.
struct Parsed {
    doc: Document,
    input_len: usize,
    old_revisions: bool,
    trailing_data: bool,
}

pub(super) fn sanitize(input: &[u8], limits: &ScanLimits) -> Result<Sanitized, Refusal> {
    finish(parse(input)?, limits)
}

/// As [`sanitize`], but the input is dropped as soon as lopdf has parsed it (lopdf holds
/// its own copy of every stream), so the input and the rewrite are never held together.
pub(super) fn sanitize_owned(input: Vec<u8>, limits: &ScanLimits) -> Result<Sanitized, Refusal> {
    let parsed = parse(&input)?;
    drop(input);
    finish(parsed, limits)
}

fn parse(input: &[u8]) -> Result<Parsed, Refusal> {
    let prescan = pdf_scan::prescan(input)?;
    let trailing = prescan
        .end_of_last_eof
        .and_then(|end| input.get(end..))
        .unwrap_or(&[]);
    sniff::check_trailing(KIND, trailing)?;
    let doc = load(input)?;
    Ok(Parsed {
        doc,
        input_len: input.len(),
        old_revisions: memchr::memmem::find_iter(input, b"startxref").count() > 1,
        trailing_data: trailing.iter().any(|b| !b.is_ascii_whitespace()),
    })
}

fn finish(parsed: Parsed, limits: &ScanLimits) -> Result<Sanitized, Refusal> {
    let Parsed {
        mut doc,
        input_len,
        old_revisions,
        trailing_data,
    } = parsed;
    check_active_content(&doc)?;
    let n_pages = count_pages(&doc, limits)?;
    let mut removed = Removed::default();
    strip(&mut doc, &mut removed);
    pdf_authorship::strip_authorship(&mut doc, &mut removed);
    pdf_images::check_inline_images(&doc)?;
    pdf_images::strip_images(&mut doc, &mut removed)?;
    if old_revisions {
        removed.add("old_revisions");
    }
    if !doc.prune_objects().is_empty() {
        removed.add("unreferenced_objects");
    }
    doc.renumber_objects();
    let size = doc
        .objects
        .keys()
        .map(|(n, _)| *n)
        .max()
        .unwrap_or(0)
        .saturating_add(1);
    doc.trailer.set("Size", i64::from(size));
    // Reserved up front: growing by doubling would briefly hold two large buffers.
    let mut out = Vec::with_capacity(input_len.saturating_add(1 << 20));
    doc.save_to(&mut out).map_err(|_| malformed("rewrite"))?;
    drop(doc);
    check_rewrite(&out, n_pages, limits)?;
    if trailing_data {
        removed.add("trailing_data");
    }
    Ok(Sanitized {
        kind: KIND,
        pages: n_pages,
        width: 0,
        height: 0,
        orientation: 1,
        removed: removed.0,
        thumbnail: None,
        screen: None,
        body: Body::Owned(out),
    })
}

fn load(input: &[u8]) -> Result<Document, Refusal> {
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_DECOMPRESSED_STREAM),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(input, options).map_err(|e| load_refusal(&e))?;
    if doc.is_encrypted() || doc.encryption_state.is_some() {
        return Err(Refusal::PdfEncrypted);
    }
    Ok(doc)
}

fn load_refusal(error: &lopdf::Error) -> Refusal {
    match error {
        lopdf::Error::Decompress(lopdf::DecompressError::MemoryLimitExceeded { .. }) => {
            Refusal::DecodeLimit { kind: KIND }
        }
        lopdf::Error::RecursionLimit => Refusal::PdfTooDeep {
            max_depth: pdf_scan::MAX_DEPTH,
        },
        lopdf::Error::Decryption(_)
        | lopdf::Error::InvalidPassword
        | lopdf::Error::AlreadyEncrypted => Refusal::PdfEncrypted,
        _ => malformed("parse"),
    }
}

/// Every object is looked at once, where it is stored: references are not followed, so
/// a reference cycle cannot make the walk loop.
fn check_active_content(doc: &Document) -> Result<(), Refusal> {
    for object in doc.objects.values() {
        walk_forbidden(object, 0)?;
    }
    walk_forbidden_dict(&doc.trailer, 0)?;
    let catalog = doc.catalog().map_err(|_| malformed("no_catalog"))?;
    if let Ok(open_action) = catalog.get(b"OpenAction") {
        // A destination (an array: page and view) is harmless; an action is not.
        let target = match open_action {
            Object::Reference(id) => doc.get_object(*id).map_err(|_| malformed("open_action"))?,
            other => other,
        };
        if !matches!(target, Object::Array(_)) {
            return Err(Refusal::PdfActiveContent {
                feature: "open_action",
            });
        }
    }
    Ok(())
}

fn walk_forbidden(object: &Object, depth: usize) -> Result<(), Refusal> {
    if depth > MAX_WALK_DEPTH {
        return Err(Refusal::PdfTooDeep {
            max_depth: pdf_scan::MAX_DEPTH,
        });
    }
    match object {
        Object::Dictionary(dict) => walk_forbidden_dict(dict, depth),
        Object::Stream(stream) => walk_forbidden_dict(&stream.dict, depth),
        Object::Array(items) => items
            .iter()
            .try_for_each(|item| walk_forbidden(item, depth + 1)),
        _ => Ok(()),
    }
}

fn walk_forbidden_dict(dict: &Dictionary, depth: usize) -> Result<(), Refusal> {
    for (key, value) in dict.iter() {
        if let Some((_, feature)) = FORBIDDEN_KEYS.iter().find(|(k, _)| name_is(key, k)) {
            return Err(Refusal::PdfActiveContent { feature });
        }
        if matches!(key.as_slice(), b"S" | b"Type" | b"Subtype") {
            if let Object::Name(name) = value {
                if let Some((_, feature)) = FORBIDDEN_NAMES.iter().find(|(n, _)| name_is(name, n)) {
                    return Err(Refusal::PdfActiveContent { feature });
                }
            }
        }
        walk_forbidden(value, depth + 1)?;
    }
    Ok(())
}

/// Counts the leaves of the page tree from the catalog's `/Pages`, refusing cycles, a
/// tree deeper than [`MAX_PAGE_TREE_DEPTH`], and more pages than the limit.
fn count_pages(doc: &Document, limits: &ScanLimits) -> Result<u32, Refusal> {
    let catalog = doc.catalog().map_err(|_| malformed("no_catalog"))?;
    let root = catalog
        .get(b"Pages")
        .and_then(Object::as_reference)
        .map_err(|_| malformed("no_page_tree"))?;
    let mut seen: BTreeSet<ObjectId> = BTreeSet::new();
    let mut stack: Vec<(ObjectId, usize)> = vec![(root, 0)];
    let mut n_pages = 0u32;
    while let Some((id, depth)) = stack.pop() {
        if !seen.insert(id) {
            return Err(malformed("page_tree_cycle"));
        }
        if depth > MAX_PAGE_TREE_DEPTH {
            return Err(malformed("page_tree_depth"));
        }
        let node = doc.get_dictionary(id).map_err(|_| malformed("page_tree"))?;
        match node.get(b"Type").and_then(Object::as_name) {
            Ok(b"Pages") => {
                let kids = node
                    .get(b"Kids")
                    .and_then(Object::as_array)
                    .map_err(|_| malformed("page_tree"))?;
                for kid in kids.iter().rev() {
                    let kid = kid.as_reference().map_err(|_| malformed("page_tree"))?;
                    stack.push((kid, depth + 1));
                }
            }
            Ok(b"Page") => {
                n_pages += 1;
                if n_pages > limits.max_pages {
                    return Err(Refusal::TooManyPages {
                        max_pages: limits.max_pages,
                    });
                }
            }
            _ => return Err(malformed("page_tree")),
        }
    }
    if n_pages == 0 {
        return Err(malformed("no_pages"));
    }
    Ok(n_pages)
}

/// Drops what describes the document rather than showing it.
fn strip(doc: &mut Document, removed: &mut Removed) {
    if doc.trailer.remove(b"Info").is_some() {
        removed.add("info");
    }
    if doc.trailer.remove(b"ID").is_some() {
        removed.add("document_id");
    }
    for object in doc.objects.values_mut() {
        let dict = match object {
            Object::Dictionary(dict) => dict,
            Object::Stream(stream) => &mut stream.dict,
            _ => continue,
        };
        if dict.remove(b"Metadata").is_some() {
            removed.add("metadata");
        }
        if dict.remove(b"PieceInfo").is_some() {
            removed.add("piece_info");
        }
        if dict.remove(b"LastModified").is_some() {
            removed.add("last_modified");
        }
    }
    // Metadata streams nobody points to any more go with the unreferenced objects; one
    // still referenced from elsewhere (it should not be) is emptied of its XML here.
    let metadata_ids: Vec<ObjectId> = doc
        .objects
        .iter()
        .filter(|(_, object)| matches!(object, Object::Stream(s) if s.dict.has_type(b"Metadata")))
        .map(|(id, _)| *id)
        .collect();
    for id in metadata_ids {
        doc.objects.insert(id, Object::Null);
        removed.add("metadata");
    }
}

/// The rewrite must not be a polyglot, and must parse again, with the same pages and
/// nothing that was dropped.
fn check_rewrite(out: &[u8], n_pages: u32, limits: &ScanLimits) -> Result<(), Refusal> {
    // Filters undone in front of a JPEG can bring a hidden archive into the open.
    sniff::check_not_polyglot(KIND, out)?;
    pdf_scan::prescan(out).map_err(|_| malformed("rewrite_check"))?;
    let doc = load(out).map_err(|_| malformed("rewrite_check"))?;
    let again = count_pages(&doc, limits).map_err(|_| malformed("rewrite_check"))?;
    if again != n_pages || doc.trailer.has(b"Info") {
        return Err(malformed("rewrite_check"));
    }
    Ok(())
}

fn malformed(what: &'static str) -> Refusal {
    Refusal::Malformed { kind: KIND, what }
}
