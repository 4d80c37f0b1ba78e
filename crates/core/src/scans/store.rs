//! Every statement on the scan tables (`patient_keys`, `scans`, `scan_thumbnails`,
//! `prescription_scans`), on the caller's connection or transaction.

use rusqlite::{params, Connection, OptionalExtension};

use super::error::ScanError;
use super::format::PatientKey;
use super::sanitize::ScanKind;
use super::{Preview, ScanSummary, ScanThumbnail};
use crate::error::{Error, Result};
use crate::ids::{PatientId, ScanId};

/// A patient's scan key and its id.
pub(crate) struct KeyRecord {
    pub key_id: uuid::Uuid,
    pub key: PatientKey,
}

fn parse_uuid(text: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(text).map_err(|_| Error::Corrupt("a stored scan id is damaged".into()))
}

fn key_from_row(key_id: String, bytes: Vec<u8>) -> Result<KeyRecord> {
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Error::Corrupt("a stored patient key is damaged".into()))?;
    Ok(KeyRecord {
        key_id: parse_uuid(&key_id)?,
        key: PatientKey::from_bytes(bytes),
    })
}

/// The patient's scan key, if one was made.
pub(crate) fn patient_key(conn: &Connection, patient_id: &str) -> Result<Option<KeyRecord>> {
    let row: Option<(String, Vec<u8>)> = conn
        .prepare_cached("SELECT key_id, key FROM patient_keys WHERE patient_id = ?1")?
        .query_row([patient_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(id, bytes)| key_from_row(id, bytes)).transpose()
}

/// The patient's scan key, made at their first scan.
pub(crate) fn patient_key_or_create(
    tx: &Connection,
    patient_id: &str,
    now_us: i64,
) -> Result<KeyRecord> {
    if let Some(found) = patient_key(tx, patient_id)? {
        return Ok(found);
    }
    let key = PatientKey::generate();
    let key_id = uuid::Uuid::new_v4();
    tx.execute(
        "INSERT INTO patient_keys (patient_id, key_id, key, created_us) VALUES (?1, ?2, ?3, ?4)",
        params![
            patient_id,
            key_id.to_string(),
            &key.expose_secret()[..],
            now_us
        ],
    )?;
    Ok(KeyRecord { key_id, key })
}

/// A scan's row as stored.
#[derive(Debug, Clone)]
pub(crate) struct ScanRow {
    pub id: ScanId,
    pub patient_id: PatientId,
    pub kind: ScanKind,
    pub content_hash: String,
    pub key_id: String,
    pub file_bytes: u64,
    pub plain_bytes: u64,
    pub pages: u32,
    pub width: u32,
    pub height: u32,
    pub orientation: u8,
    pub removed: Vec<String>,
    pub imported_us: i64,
    pub imported_by: String,
}

const COLUMNS: &str = "id, patient_id, kind, content_hash, key_id, file_bytes, plain_bytes, pages, width, height, orientation, removed, imported_us, imported_by";

fn row_to_scan(r: &rusqlite::Row<'_>) -> rusqlite::Result<(ScanRow, String, String)> {
    let kind: String = r.get(2)?;
    let removed: String = r.get(11)?;
    Ok((
        ScanRow {
            id: r.get::<_, String>(0)?.into(),
            patient_id: r.get::<_, String>(1)?.into(),
            kind: ScanKind::Pdf,
            content_hash: r.get(3)?,
            key_id: r.get(4)?,
            file_bytes: r.get(5)?,
            plain_bytes: r.get(6)?,
            pages: r.get(7)?,
            width: r.get(8)?,
            height: r.get(9)?,
            orientation: r.get(10)?,
            removed: Vec::new(),
            imported_us: r.get(12)?,
            imported_by: r.get(13)?,
        },
        kind,
        removed,
    ))
}

fn finish_row((mut row, kind, removed): (ScanRow, String, String)) -> Result<ScanRow> {
    row.kind = ScanKind::parse(&kind)
        .ok_or_else(|| Error::Corrupt("a stored scan kind is damaged".into()))?;
    row.removed = serde_json::from_str(&removed)
        .map_err(|_| Error::Corrupt("a stored scan's metadata is damaged".into()))?;
    Ok(row)
}

/// Inserts a scan's row (and its thumbnail and screen rendition).
pub(crate) fn insert(
    tx: &Connection,
    row: &ScanRow,
    hlc: &str,
    thumbnail: Option<&super::sanitize::Thumbnail>,
    screen: Option<&super::sanitize::Thumbnail>,
) -> Result<()> {
    let removed = serde_json::to_string(&row.removed)
        .map_err(|e| Error::Internal(format!("encoding a scan's metadata: {e}")))?;
    tx.execute(
        &format!(
            "INSERT INTO scans ({COLUMNS}, version, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 1, ?15)"
        ),
        params![
            row.id,
            row.patient_id,
            row.kind.as_str(),
            row.content_hash,
            row.key_id,
            row.file_bytes,
            row.plain_bytes,
            row.pages,
            row.width,
            row.height,
            row.orientation,
            removed,
            row.imported_us,
            row.imported_by,
            hlc,
        ],
    )?;
    if let Some(thumb) = thumbnail {
        tx.execute(
            "INSERT INTO scan_thumbnails (scan_id, kind, width, height, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![row.id, thumb.kind.as_str(), thumb.width, thumb.height, thumb.bytes],
        )?;
    }
    if let Some(screen) = screen {
        tx.execute(
            "INSERT INTO scan_screens (scan_id, kind, width, height, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![row.id, screen.kind.as_str(), screen.width, screen.height, screen.bytes],
        )?;
    }
    Ok(())
}

/// A screen rendition as stored: its width, height and JPEG.
pub(crate) type Screen = (u32, u32, zeroize::Zeroizing<Vec<u8>>);

/// A scan's screen rendition, if it has one.
pub(crate) fn screen(conn: &Connection, scan_id: &str) -> Result<Option<Screen>> {
    Ok(conn
        .prepare_cached("SELECT width, height, bytes FROM scan_screens WHERE scan_id = ?1")?
        .query_row([scan_id], |r| {
            Ok((r.get(0)?, r.get(1)?, zeroize::Zeroizing::new(r.get(2)?)))
        })
        .optional()?)
}

/// A scan's row; `not_found` when there is none (or it was erased).
pub(crate) fn get(conn: &Connection, scan_id: &str) -> Result<ScanRow> {
    let found = conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM scans WHERE id = ?1 AND tombstone = 0"
        ))?
        .query_row([scan_id], row_to_scan)
        .optional()?;
    match found {
        Some(row) => finish_row(row),
        None => Err(ScanError::NotFound {
            id: scan_id.to_string(),
        }
        .into()),
    }
}

/// Every stored scan, or one patient's, oldest first.
pub(crate) fn all(conn: &Connection, patient_id: Option<&str>) -> Result<Vec<ScanRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM scans WHERE tombstone = 0 AND (?1 IS NULL OR patient_id = ?1)
         ORDER BY imported_us, id"
    ))?;
    let rows = stmt
        .query_map([patient_id], row_to_scan)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(finish_row).collect()
}

/// A patient's scans for a list, each with the prescriptions written from it.
pub(crate) fn list(
    conn: &Connection,
    patient_id: &str,
    may_view: bool,
) -> Result<Vec<ScanSummary>> {
    let mut thumbs = conn.prepare_cached("SELECT 1 FROM scan_thumbnails WHERE scan_id = ?1")?;
    let mut out = Vec::new();
    for row in all(conn, Some(patient_id))? {
        let has_thumb = thumbs.exists([row.id.as_str()])?;
        out.push(ScanSummary {
            prescriptions: prescriptions_of(conn, &row.id)?,
            preview: if may_view && has_thumb {
                Preview::Thumbnail
            } else {
                Preview::Icon
            },
            id: row.id,
            patient_id: row.patient_id,
            kind: row.kind,
            pages: row.pages,
            width: row.width,
            height: row.height,
            orientation: row.orientation,
            bytes: row.plain_bytes,
            removed: row.removed,
            imported_us: row.imported_us,
            imported_by: row.imported_by,
        });
    }
    Ok(out)
}

/// A scan's thumbnail, if it has one.
pub(crate) fn thumbnail(conn: &Connection, scan_id: &ScanId) -> Result<Option<ScanThumbnail>> {
    let row: Option<(String, u32, u32, Vec<u8>)> = conn
        .prepare_cached(
            "SELECT kind, width, height, bytes FROM scan_thumbnails WHERE scan_id = ?1",
        )?
        .query_row([scan_id.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    row.map(|(kind, width, height, bytes)| {
        Ok(ScanThumbnail {
            scan_id: scan_id.clone(),
            kind: ScanKind::parse(&kind)
                .ok_or_else(|| Error::Corrupt("a stored thumbnail is damaged".into()))?,
            width,
            height,
            bytes,
        })
    })
    .transpose()
}

/// Links a new prescription to the scans it was written from; each must be the
/// patient's.
pub(crate) fn link_prescription(
    tx: &Connection,
    rx_id: &str,
    patient_id: &str,
    scan_ids: &[ScanId],
) -> Result<()> {
    for scan_id in scan_ids {
        let scan = get(tx, scan_id)?;
        if scan.patient_id != patient_id {
            return Err(ScanError::OtherPatient {
                scan_id: scan_id.to_string(),
            }
            .into());
        }
        tx.execute(
            "INSERT OR IGNORE INTO prescription_scans (prescription_id, scan_id) VALUES (?1, ?2)",
            params![rx_id, scan_id],
        )?;
    }
    Ok(())
}

/// The scans a prescription was written from.
pub(crate) fn scans_of_prescription(conn: &Connection, rx_id: &str) -> Result<Vec<ScanId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT scan_id FROM prescription_scans WHERE prescription_id = ?1 ORDER BY scan_id",
    )?;
    let ids = stmt
        .query_map([rx_id], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids.into_iter().map(ScanId::from).collect())
}

/// The prescriptions written from a scan.
fn prescriptions_of(conn: &Connection, scan_id: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT prescription_id FROM prescription_scans WHERE scan_id = ?1 ORDER BY prescription_id",
    )?;
    let ids = stmt
        .query_map([scan_id], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
}
