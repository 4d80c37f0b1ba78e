//! The scan operations on a [`Session`], each through the entry point `Session::run`:
//! import (receptionist, clinician), list, thumbnail and export (clinician: a view of
//! the content), verify (admin). A refused file is an audited failure with the
//! importer's reason; an export is audited before the file gets its name.

use std::io::{self, BufReader, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::error::{ScanError, ScanProblem};
use super::export::{ExportTarget, StagedExport};
use super::files::{self, hash_name};
use super::{format, limits, render, sanitize, store, ScanKind};
use super::{ExportedScan, ScanDamage, ScanSummary, ScanThumbnail, ScanVerifyReport};
use crate::error::{Error, Result};
use crate::ids::ScanId;
use crate::perms::{allows, Permission};
use crate::vault::kernel::Effect;
use crate::vault::session::{op, Op};
use crate::vault::Session;
use clinic_vault_proto::Action;
use zeroize::Zeroizing;

fn patient_op(action: Action, patient_id: &str) -> Op {
    let mut o = op(action, Some(patient_id));
    o.patient_id = Some(patient_id.to_string());
    o
}

fn scan_uuid(id: &ScanId) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(id).map_err(|_| Error::Corrupt("a stored scan id is damaged".into()))
}

/// A writer that remembers whether it failed, so that an error of the export's target
/// (a full disk) is not taken for damage of the scan.
struct Tracked<'a> {
    inner: &'a mut dyn Write,
    failed: bool,
}

impl Write for Tracked<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).inspect_err(|_| self.failed = true)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().inspect_err(|_| self.failed = true)
    }
}

fn damaged(scan_id: &ScanId, problem: ScanProblem) -> Error {
    ScanError::Damaged {
        scan_id: scan_id.to_string(),
        problem,
    }
    .into()
}

impl Session {
    /// The patient a scan belongs to, read only to attribute a possible denial event.
    fn scan_patient(&self, scan_id: &str) -> Option<String> {
        self.connection()
            .query_row(
                "SELECT patient_id FROM scans WHERE id = ?1",
                [scan_id],
                |r| r.get(0),
            )
            .ok()
    }

    pub(super) fn scan_op(&self, action: Action, scan_id: &str) -> Op {
        let mut o = op(action, Some(scan_id));
        o.patient_id = self.scan_patient(scan_id);
        o
    }

    /// Imports the file at `path` as a scan of the patient ([`Session::import_scan`]).
    /// A file over the size limit is refused (and recorded) without being read; only a
    /// regular file is read.
    pub fn import_scan_file(&mut self, patient_id: &str, path: &Path) -> Result<ScanSummary> {
        self.check_scan_import(patient_id)?;
        let limits = limits::load(self.connection())?;
        let unreadable = |e: io::Error| ScanError::Unreadable {
            path: path.to_path_buf(),
            reason: e.kind(),
        };
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(unreadable)?;
        let meta = file.metadata().map_err(unreadable)?;
        if !meta.file_type().is_file() {
            return Err(ScanError::Unreadable {
                path: path.to_path_buf(),
                reason: io::ErrorKind::InvalidInput,
            }
            .into());
        }
        if meta.len() > limits.max_file_bytes {
            let refusal = sanitize::Refusal::TooLarge {
                bytes: meta.len(),
                max: limits.max_file_bytes,
            };
            return self.run(patient_op(Action::ScanImport, patient_id), |_| {
                Err(ScanError::Refused(refusal).into())
            });
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(limits.max_file_bytes + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        self.import_owned_checked(patient_id, bytes, &limits)
    }

    /// Imports one file the caller hands over ([`Session::import_scan`] without the
    /// copy): a PDF's bytes are freed once parsed, so a 50 MB file stays within the
    /// memory budget. The shells use it for what arrives whole in memory (the app's
    /// upload of a picked or dropped file).
    pub fn import_scan_owned(&mut self, patient_id: &str, file: Vec<u8>) -> Result<ScanSummary> {
        self.check_scan_import(patient_id)?;
        let limits = limits::load(self.connection())?;
        self.import_owned_checked(patient_id, file, &limits)
    }

    fn import_owned_checked(
        &mut self,
        patient_id: &str,
        file: Vec<u8>,
        limits: &sanitize::ScanLimits,
    ) -> Result<ScanSummary> {
        let (checked, kept) = match sanitize::sanitize_owned(file, limits) {
            Ok(clean) => {
                let (scan, kept) = clean.into_parts();
                (Ok(scan), kept)
            }
            Err(refusal) => (Err(refusal), Vec::new()),
        };
        self.import_checked(patient_id, checked, &kept)
    }

    /// Whether this user may import scans of the patient, who must exist: an audited
    /// refusal otherwise. Every import starts with it, so that a role that may not
    /// import costs no decoding and reaches no decoder; a shell calls it before the
    /// desk scanner scans the paper.
    pub fn check_scan_import(&mut self, patient_id: &str) -> Result<()> {
        self.run(patient_op(Action::ScanImport, patient_id), |ctx| {
            crate::records::store::get_patient(ctx.tx, patient_id).map(|_| ())
        })
    }

    /// Imports one file as a scan of the patient: checked and stripped in memory, then
    /// encrypted, staged, and placed under `scans/` once its row commits. A refused file
    /// is recorded as a failure with the reason (`scan_refused`), and nothing is stored.
    pub fn import_scan(&mut self, patient_id: &str, file: &[u8]) -> Result<ScanSummary> {
        self.check_scan_import(patient_id)?;
        let limits = limits::load(self.connection())?;
        let checked = sanitize::sanitize(file, &limits);
        self.import_checked(patient_id, checked, file)
    }

    /// Stores a checked file (or records its refusal); `file` is what its reader needs.
    fn import_checked(
        &mut self,
        patient_id: &str,
        checked: std::result::Result<sanitize::Sanitized, sanitize::Refusal>,
        file: &[u8],
    ) -> Result<ScanSummary> {
        // A PDF's thumbnail is drawn by the sandboxed renderer, outside the write lock;
        // a failed render leaves the scan without one (the list shows an icon).
        let rendered = match &checked {
            Ok(clean) if clean.kind == ScanKind::Pdf && clean.thumbnail.is_none() => {
                let stripped = Zeroizing::new(clean.to_vec(file));
                Some(render::pdf_thumbnail(
                    &stripped,
                    &render::RenderLimits::default(),
                ))
            }
            _ => None,
        };
        let paths = self.p.paths.clone();
        self.run(patient_op(Action::ScanImport, patient_id), |ctx| {
            let clean = checked.map_err(ScanError::Refused)?;
            crate::records::store::get_patient(ctx.tx, patient_id)?;
            let key = store::patient_key_or_create(ctx.tx, patient_id, ctx.now_us)?;
            let scan_id = ScanId::generate();
            let sealed = files::stage(&paths, &scan_id, |out| {
                format::encrypt(
                    &key.key,
                    key.key_id,
                    scan_uuid(&scan_id)?,
                    clean.reader(file),
                    out,
                )
                .map_err(|e| Error::Internal(format!("encrypting a scan: {e}")))
            })?;
            let row = store::ScanRow {
                id: scan_id.clone(),
                patient_id: patient_id.into(),
                kind: clean.kind,
                content_hash: hash_name(&sealed.content_hash),
                key_id: key.key_id.to_string(),
                file_bytes: sealed.file_len,
                plain_bytes: sealed.plain_len,
                pages: clean.pages,
                width: clean.width,
                height: clean.height,
                orientation: clean.orientation,
                removed: clean.removed.iter().map(|r| r.to_string()).collect(),
                imported_us: ctx.now_us,
                imported_by: ctx.actor.to_string(),
            };
            let (thumbnail, render_failed) = match &rendered {
                Some(Ok(thumb)) => (Some(thumb), None),
                Some(Err(e)) => (None, Some(format!("render_failed:{}", e.reason()))),
                None => (clean.thumbnail.as_ref(), None),
            };
            let inserted = crate::records::store::next_hlc(ctx.tx, ctx.now_us, ctx.device_id)
                .and_then(|hlc| {
                    store::insert(ctx.tx, &row, &hlc, thumbnail, clean.screen.as_ref())
                });
            if let Err(e) = inserted {
                // Nothing commits, so the staged file goes now rather than at the next unit.
                let _ = std::fs::remove_file(paths.scans_staging().join(scan_id.as_str()));
                return Err(e);
            }
            // Queued for the sync server in the unit that inserts the row: the queue
            // holds exactly the scans that committed.
            crate::sync::vault::queue_blob(
                ctx.tx,
                crate::sync::BlobKind::Upload,
                &row.content_hash,
                ctx.now_us,
            )?;
            let may_view = allows(ctx.role, Permission::ScanView);
            let event = ctx.event(Action::ScanImport);
            event.resource_id = Some(scan_id.to_string());
            event.patient_id = Some(patient_id.to_string());
            let mut detail = serde_json::json!({
                "kind": row.kind.as_str(),
                "pages": row.pages,
                "bytes": row.plain_bytes,
                "removed": row.removed,
            });
            if let (Some(note), Some(fields)) = (render_failed, detail.as_object_mut()) {
                fields.insert("thumbnail".into(), note.into());
            }
            event.detail = Some(detail);
            ctx.after_commit(Effect::PlaceScan {
                scan_id: scan_id.to_string(),
                content_hash: row.content_hash.clone(),
            });
            let listed = store::list(ctx.tx, patient_id, may_view)?;
            listed
                .into_iter()
                .find(|s| s.id == scan_id)
                .ok_or_else(|| Error::Internal("an imported scan is not listed".into()))
        })
    }

    /// A patient's scans: what they are, with a thumbnail offered only to a role that
    /// may view scans.
    pub fn list_scans(&mut self, patient_id: &str) -> Result<Vec<ScanSummary>> {
        self.run(patient_op(Action::ScanList, patient_id), |ctx| {
            crate::records::store::get_patient(ctx.tx, patient_id)?;
            let may_view = allows(ctx.role, Permission::ScanView);
            let list = store::list(ctx.tx, patient_id, may_view)?;
            let event = ctx.event(Action::ScanList);
            event.resource_id = Some(patient_id.to_string());
            event.patient_id = Some(patient_id.to_string());
            Ok(list)
        })
    }

    /// A scan's thumbnail (clinician); `None` for a scan without one (a PDF).
    pub fn scan_thumbnail(&mut self, scan_id: &str) -> Result<Option<ScanThumbnail>> {
        let o = self.scan_op(Action::ScanThumbnail, scan_id);
        self.run(o, |ctx| {
            let row = store::get(ctx.tx, scan_id)?;
            let thumb = store::thumbnail(ctx.tx, &row.id)?;
            let event = ctx.event(Action::ScanThumbnail);
            event.resource_id = Some(scan_id.to_string());
            event.patient_id = Some(row.patient_id.to_string());
            Ok(thumb)
        })
    }

    /// Decrypts a scan into a new file at `target`, outside the vault (clinician). It
    /// never replaces a file, and the file gets its name only after the export's event
    /// committed; a damaged scan, a refusal or a crash leaves nothing at the target.
    /// The permission is checked first, and the decryption runs outside the write lock
    /// (into an unnamed file), so a slow target does not hold up other sessions.
    pub fn export_scan(&mut self, scan_id: &str, target: &Path) -> Result<ExportedScan> {
        let o = self.scan_op(Action::ScanExport, scan_id);
        self.run(o, |_| Ok(()))?;
        let (row, staged, plain_len) = match self.decrypt_for_export(scan_id, target) {
            Ok(done) => done,
            Err(e) => {
                let o = self.scan_op(Action::ScanExport, scan_id);
                return self.run(o, |_| Err(e));
            }
        };
        let o = self.scan_op(Action::ScanExport, scan_id);
        let mut name_was_free = false;
        let exported = self.run(o, |ctx| {
            let path = staged.target().to_path_buf();
            if staged.name_taken() {
                return Err(ScanError::ExportExists { path }.into());
            }
            name_was_free = true;
            let event = ctx.event(Action::ScanExport);
            event.resource_id = Some(row.id.to_string());
            event.patient_id = Some(row.patient_id.to_string());
            event.detail = Some(serde_json::json!({ "bytes": plain_len }));
            ctx.after_commit(Effect::PublishExport(staged));
            Ok(ExportedScan {
                scan_id: row.id,
                kind: row.kind,
                bytes: plain_len,
                path,
            })
        });
        match exported {
            // Something outside this vault's writer lock (another program, another
            // vault) took the name between the check and the link: the success event
            // is committed, so a second event records that nothing was written.
            Err(Error::Scans(e @ ScanError::ExportExists { .. })) if name_was_free => {
                let o = self.scan_op(Action::ScanExport, scan_id);
                self.run(o, |_| Err(e.into()))
            }
            other => other,
        }
    }

    /// An export's reads, outside any write transaction: the row, the key, the target's
    /// checks and the decryption into an unnamed file.
    fn decrypt_for_export(
        &self,
        scan_id: &str,
        target: &Path,
    ) -> Result<(store::ScanRow, StagedExport, u64)> {
        let conn = self.connection();
        let row = store::get(conn, scan_id)?;
        let key = store::patient_key(conn, &row.patient_id)?
            .ok_or_else(|| damaged(&row.id, ScanProblem::BadHeader))?;
        let target = ExportTarget::check(self.p.paths.root(), target)?;
        let file = files::open_stored(&self.p.paths, &row.content_hash)
            .map_err(|problem| damaged(&row.id, problem))?;
        let scan_uuid = scan_uuid(&row.id)?;
        let (staged, opened) = target.write(|out| {
            let mut tracked = Tracked {
                inner: out,
                failed: false,
            };
            let result = format::decrypt(
                &key.key,
                key.key_id,
                scan_uuid,
                BufReader::with_capacity(1 << 20, file),
                &mut tracked,
            );
            match result {
                Ok(opened) => Ok(opened),
                Err(format::FormatError::Io(e)) if tracked.failed => {
                    Err(Error::io("writing the export", e))
                }
                Err(e) => Err(damaged(&row.id, ScanProblem::from_format(&e))),
            }
        })?;
        if hash_name(&opened.content_hash) != row.content_hash {
            return Err(damaged(&row.id, ScanProblem::HashMismatch));
        }
        Ok((row, staged, opened.plain_len))
    }

    /// Authenticates every chunk of one scan, or of all of them (admin), and checks
    /// each file is the one its row records. The files are read outside any write
    /// transaction (this can take a while; `progress(done, total)` follows it), then one
    /// event records what was found: `failure`, naming the damaged scans, if any is.
    pub fn verify_scans(
        &mut self,
        only: Option<&str>,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<ScanVerifyReport> {
        self.check_permission(Action::ScanVerify)?;
        let rows = match only {
            Some(id) => match store::get(self.connection(), id) {
                Ok(row) => vec![row],
                Err(e) => {
                    let o = self.scan_op(Action::ScanVerify, id);
                    return self.run(o, |_| Err(e));
                }
            },
            None => store::all(self.connection(), None)?,
        };
        let mut report = ScanVerifyReport {
            n_checked: 0,
            n_chunks: 0,
            damaged: Vec::new(),
        };
        for (idx, row) in rows.iter().enumerate() {
            progress(idx, rows.len());
            let mut checked = self.verify_one(row);
            if checked == Err(ScanProblem::Missing) {
                // Another process may have committed the row and not yet placed its
                // file: a unit settles staging under the writer lock; look again.
                self.check_permission(Action::ScanVerify)?;
                checked = self.verify_one(row);
            }
            match checked {
                Ok(n_chunks) => report.n_chunks += n_chunks,
                Err(problem) => report.damaged.push(ScanDamage {
                    scan_id: row.id.clone(),
                    patient_id: row.patient_id.clone(),
                    problem,
                }),
            }
            report.n_checked += 1;
        }
        progress(rows.len(), rows.len());
        let o = match only {
            Some(id) => self.scan_op(Action::ScanVerify, id),
            None => op(Action::ScanVerify, None),
        };
        self.run(o, |ctx| {
            let outcome = if report.damaged.is_empty() {
                clinic_vault_proto::Outcome::Success
            } else {
                clinic_vault_proto::Outcome::Failure
            };
            let detail = serde_json::json!({
                "checked": report.n_checked,
                "damaged": report.damaged.iter().map(|d| serde_json::json!({
                    "scan": d.scan_id, "patient": d.patient_id, "damage": d.problem,
                })).collect::<Vec<_>>(),
            });
            let event = ctx.event(Action::ScanVerify);
            event.resource_id = only.map(str::to_string);
            event.patient_id = rows
                .first()
                .filter(|_| only.is_some())
                .map(|r| r.patient_id.to_string());
            event.outcome = outcome;
            event.detail = Some(detail);
            Ok(report.clone())
        })
    }

    fn verify_one(&self, row: &store::ScanRow) -> std::result::Result<u64, ScanProblem> {
        let key = store::patient_key(self.connection(), &row.patient_id)
            .ok()
            .flatten()
            .ok_or(ScanProblem::BadHeader)?;
        let file = files::open_stored(&self.p.paths, &row.content_hash)?;
        let scan_uuid = uuid::Uuid::parse_str(&row.id).map_err(|_| ScanProblem::BadHeader)?;
        let opened = format::verify(
            &key.key,
            key.key_id,
            scan_uuid,
            BufReader::with_capacity(1 << 20, file),
        )
        .map_err(|e| ScanProblem::from_format(&e))?;
        if hash_name(&opened.content_hash) != row.content_hash {
            return Err(ScanProblem::HashMismatch);
        }
        Ok(opened.n_chunks)
    }
}
