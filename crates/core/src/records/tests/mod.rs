//! Patient-record tests through core's API: the role matrix cell by cell, search
//! folding and ranking, history, append-only clinical entries, audit events, bad input.

mod entries;

use crate::audit::AuditFilter;
use crate::records::*;
use crate::vault::tests::{Fixture, PW};
use crate::{Role, Session};

const RITA_PW: &str = "plum orbit violet candle 42";
const CARL_PW: &str = "quartz meadow lantern 1987";

fn patient(given: &str, family: &str, dob: &str) -> NewPatient {
    NewPatient {
        given: given.into(),
        family: family.into(),
        dob: dob.into(),
        ..NewPatient::default()
    }
}

fn rx() -> NewPrescription {
    NewPrescription {
        drug: "Amoxicillin".into(),
        strength: "500 mg".into(),
        dose: "1 capsule".into(),
        frequency: "3 times daily".into(),
        duration: Some("7 days".into()),
        instructions: None,
        scans: Vec::new(),
    }
}

struct Staff {
    f: Fixture,
    rita_uri: String,
    carl_uri: String,
}

impl Staff {
    fn new() -> Staff {
        let f = Fixture::new();
        let rita_uri = f.add_user("rita", Role::Receptionist, RITA_PW);
        let carl_uri = f.add_user("carl", Role::Clinician, CARL_PW);
        Staff {
            f,
            rita_uri,
            carl_uri,
        }
    }
    fn as_role(&self, role: Role) -> Session {
        match role {
            Role::Receptionist => self.f.unlock_as("rita", RITA_PW, &self.rita_uri),
            Role::Clinician => self.f.unlock_as("carl", CARL_PW, &self.carl_uri),
            Role::Admin => self.f.unlock_as("alice", PW, &self.f.admin_uri),
        }
        .expect("unlock")
    }
}

/// Fresh targets for one attempt, made by the clinician (who may do everything here).
struct Targets {
    patient: PatientId,
    note: String,
    rx: String,
    scan: crate::ids::ScanId,
}

/// A small image from the importer's corpus (read at run time: the package directory).
pub(crate) fn corpus_png() -> Vec<u8> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR").expect("tests run through cargo");
    std::fs::read(
        std::path::Path::new(&dir).join("tests/scan_corpus/good/palette-transparency.png"),
    )
    .expect("corpus png")
}

fn targets(carl: &mut Session, n: usize) -> Targets {
    let p = carl
        .add_patient(
            &patient(&format!("Target{n}"), "Fixture", "1980-01-01"),
            true,
        )
        .expect("patient");
    let note = carl.add_note(&p.id, "baseline note").expect("note");
    let rx = carl.add_prescription(&p.id, &rx()).expect("rx");
    carl.grant_consent(&p.id, ConsentPurpose::Treatment, None)
        .expect("consent");
    let scan = carl.import_scan(&p.id, &corpus_png()).expect("scan");
    Targets {
        patient: p.id,
        note: note.id,
        rx: rx.id,
        scan: scan.id,
    }
}

type Attempt = fn(&mut Session, &Targets) -> crate::Result<()>;

/// DESIGN §4, transcribed per operation: (action, receptionist, clinician, admin, call).
const MATRIX: &[(&str, bool, bool, bool, Attempt)] = &[
    ("patient.create", true, true, false, |s, _| {
        s.add_patient(&patient("New", "Person", "1990-05-05"), true)
            .map(drop)
    }),
    ("patient.view", true, true, true, |s, t| {
        s.show_patient(&t.patient).map(drop)
    }),
    ("patient.update", true, true, false, |s, t| {
        s.update_patient(
            &t.patient,
            &PatientUpdate {
                phone: Some("+4930123456".into()),
                ..PatientUpdate::default()
            },
        )
        .map(drop)
    }),
    ("patient.archive", true, true, false, |s, t| {
        s.archive_patient(&t.patient)
    }),
    ("patient.history", true, true, false, |s, t| {
        s.patient_history(&t.patient).map(drop)
    }),
    ("patient.search", true, true, true, |s, _| {
        s.search_patients("fixture", &SearchOptions::default())
            .map(drop)
    }),
    ("note.create", false, true, false, |s, t| {
        s.add_note(&t.patient, "seen today").map(drop)
    }),
    ("note.addendum", false, true, false, |s, t| {
        s.add_addendum(&t.note, "correction").map(drop)
    }),
    ("note.void", false, true, false, |s, t| {
        s.void_note(&t.note, "wrong patient")
    }),
    ("note.view", false, true, false, |s, t| {
        s.list_notes(&t.patient).map(drop)
    }),
    ("prescription.create", false, true, false, |s, t| {
        s.add_prescription(&t.patient, &rx()).map(drop)
    }),
    ("prescription.void", false, true, false, |s, t| {
        s.void_prescription(&t.rx, "entered in error")
    }),
    ("prescription.view", false, true, false, |s, t| {
        s.list_prescriptions(&t.patient).map(drop)
    }),
    ("consent.grant", true, true, false, |s, t| {
        s.grant_consent(&t.patient, ConsentPurpose::Research, Some("Jane Doe"))
            .map(drop)
    }),
    ("consent.withdraw", true, true, false, |s, t| {
        s.withdraw_consent(&t.patient, ConsentPurpose::Treatment)
            .map(drop)
    }),
    ("consent.view", true, true, true, |s, t| {
        s.list_consents(&t.patient).map(drop)
    }),
    ("scan.import", true, true, false, |s, t| {
        s.import_scan(&t.patient, &corpus_png()).map(drop)
    }),
    ("scan.list", true, true, false, |s, t| {
        s.list_scans(&t.patient).map(drop)
    }),
    // A thumbnail is a view of the content: the desk sees an icon instead.
    ("scan.thumbnail", false, true, false, |s, t| {
        let thumb = s.scan_thumbnail(&t.scan)?;
        assert!(thumb.is_some_and(
            |th| th.bytes.starts_with(b"\x89PNG") || th.bytes.starts_with(&[0xff, 0xd8])
        ));
        Ok(())
    }),
    ("scan.export", false, true, false, |s, t| {
        let dir = tempfile::tempdir().expect("tempdir");
        let done = s.export_scan(&t.scan, &dir.path().join("out.png"))?;
        assert_eq!(
            std::fs::metadata(&done.path).expect("exported").len(),
            done.bytes
        );
        Ok(())
    }),
    // Opening a scan in the viewer: decrypted in memory, for clinicians only.
    ("scan.view", false, true, false, |s, t| {
        let view = s.view_scan(&t.scan)?;
        assert_eq!(view.bytes(), &corpus_png()[..view.bytes().len()]);
        let page = view.page(0)?;
        assert_eq!(page.mime, "image/png");
        assert!(page.bytes.starts_with(b"\x89PNG"));
        assert_eq!(
            view.page(1).map(drop).map_err(|e| e.code()),
            Err("not_found")
        );
        Ok(())
    }),
    ("scan.verify", false, false, true, |s, t| {
        let report = s.verify_scans(Some(&t.scan), &mut |_, _| {})?;
        assert!(report.damaged.is_empty());
        Ok(())
    }),
];

#[test]
fn every_cell_of_the_role_matrix_holds_and_denials_are_audited() {
    let staff = Staff::new();
    let mut carl = staff.as_role(Role::Clinician);
    let mut sessions: Vec<(Role, Session)> = vec![
        (Role::Receptionist, staff.as_role(Role::Receptionist)),
        (Role::Admin, staff.as_role(Role::Admin)),
    ];
    let mut n_targets = 0;
    for &(action, receptionist, clinician, admin, attempt) in MATRIX {
        for role in Role::ALL {
            let allowed = match role {
                Role::Receptionist => receptionist,
                Role::Clinician => clinician,
                Role::Admin => admin,
            };
            n_targets += 1;
            let t = targets(&mut carl, n_targets);
            let result = match role {
                Role::Clinician => attempt(&mut carl, &t),
                _ => attempt(
                    &mut sessions
                        .iter_mut()
                        .find(|(r, _)| *r == role)
                        .expect("session")
                        .1,
                    &t,
                ),
            };
            match (allowed, result) {
                (true, Ok(())) => {}
                (false, Err(e)) if e.code() == "forbidden" => {}
                (allowed, other) => {
                    panic!("{action} as {role:?}: allowed={allowed}, got {other:?}")
                }
            }
        }
    }
    drop(sessions);
    carl.lock().expect("lock");
    let mut admin = staff.as_role(Role::Admin);
    for &(action, receptionist, clinician, admin_allowed, _) in MATRIX {
        let denied = admin
            .audit_list(&AuditFilter {
                action: Some(action.into()),
                ..AuditFilter::default()
            })
            .expect("list")
            .into_iter()
            .filter(|e| e.event.outcome == "denied")
            .count();
        let expected =
            usize::from(!receptionist) + usize::from(!clinician) + usize::from(!admin_allowed);
        assert_eq!(denied, expected, "denied events for {action}");
    }
}

#[test]
fn a_photo_larger_than_a_screen_is_viewed_first_by_its_rendition_and_a_small_one_has_none() {
    let staff = Staff::new();
    let mut carl = staff.as_role(Role::Clinician);
    let p = carl
        .add_patient(&patient("Large", "Photo", "1970-01-01"), true)
        .expect("patient");
    let encode = |w: u32, h: u32| {
        let img =
            image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x / 9) as u8, (y / 7) as u8, 90]));
        let mut jpeg = Vec::new();
        image::DynamicImage::ImageRgb8(img)
            .write_to(
                &mut std::io::Cursor::new(&mut jpeg),
                image::ImageFormat::Jpeg,
            )
            .expect("jpeg");
        jpeg
    };
    let large = carl
        .import_scan_owned(&p.id, encode(4000, 3000))
        .expect("import");
    let view = carl.view_scan(&large.id).expect("view");
    assert_eq!((view.width, view.height), (4000, 3000));
    assert_eq!(view.screen_size(), Some((2000, 1500)));
    let screen = view.screen().expect("a rendition");
    assert_eq!(screen.mime, "image/jpeg");
    let shown = image::load_from_memory(&screen.bytes).expect("jpeg");
    assert_eq!((shown.width(), shown.height()), (2000, 1500));
    // The page itself is still the stored file, byte for byte.
    assert_eq!(&view.page(0).expect("page").bytes[..], view.bytes());
    drop(view);
    let small = carl
        .import_scan(&p.id, &encode(2048, 1000))
        .expect("import");
    let view = carl.view_scan(&small.id).expect("view");
    assert_eq!(
        view.screen_size(),
        None,
        "a page that fits a screen is its own"
    );
    assert!(view.screen().is_none());
}

#[test]
fn a_multi_page_tiff_is_viewed_page_by_page_and_the_view_is_audited() {
    use crate::scans::acquire::{pages_to_tiff, RawPage};
    let staff = Staff::new();
    let mut carl = staff.as_role(Role::Clinician);
    let p = carl
        .add_patient(&patient("Tiff", "Pages", "1970-01-01"), true)
        .expect("patient");
    let pages: Vec<RawPage> = [(30u32, 20u32, 3u8), (12, 40, 3)]
        .iter()
        .map(|&(width, height, seed)| RawPage {
            width,
            height,
            channels: 3,
            pixels: (0..width * height * 3)
                .map(|i| (i as u8).wrapping_mul(seed))
                .collect(),
        })
        .collect();
    let scan = carl
        .import_scan(&p.id, &pages_to_tiff(&pages, 200).expect("tiff"))
        .expect("import");
    let view = carl.view_scan(&scan.id).expect("view");
    assert_eq!(view.pages, 2);
    for (i, raw) in pages.iter().enumerate() {
        let page = view.page(i as u32).expect("page");
        assert_eq!(page.mime, "image/png");
        let shown = image::load_from_memory(&page.bytes)
            .expect("png")
            .into_rgb8();
        assert_eq!(shown.dimensions(), (raw.width, raw.height), "page {i}");
        assert_eq!(shown.into_raw(), raw.pixels, "page {i}: pixels as scanned");
    }
    drop(view);
    carl.lock().expect("lock");
    let mut admin = staff.as_role(Role::Admin);
    let views = admin
        .audit_list(&AuditFilter {
            action: Some("scan.view".into()),
            ..AuditFilter::default()
        })
        .expect("list");
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].event.outcome, "success");
    assert_eq!(views[0].event.patient_id.as_deref(), Some(p.id.as_str()));
}

#[test]
fn search_folds_ranks_limits_and_hides_archived() {
    let staff = Staff::new();
    let mut rita = staff.as_role(Role::Receptionist);
    let zoe = rita
        .add_patient(&patient("Zoë", "Müller", "1985-03-14"), false)
        .expect("zoe");
    let mut with_phone = patient("Anna", "Mullins", "1972-11-02");
    with_phone.phone = Some("+44 20 7946 0958".into());
    let anna = rita.add_patient(&with_phone, false).expect("anna");
    let given_muller = rita
        .add_patient(&patient("Muller", "Abbott", "1999-09-09"), false)
        .expect("given");
    let lukasz = rita
        .add_patient(&patient("Łukasz", "Ørsted-Straße", "1960-01-31"), false)
        .expect("lukasz");
    let opts = SearchOptions::default();
    let ids = |hits: Vec<SearchHit>| hits.into_iter().map(|h| h.patient.id).collect::<Vec<_>>();

    assert_eq!(
        ids(rita.search_patients("zoe", &opts).expect("search")),
        vec![zoe.id.clone()]
    );
    let muller = rita.search_patients("muller", &opts).expect("search");
    assert_eq!(
        muller
            .iter()
            .map(|h| h.matched.as_str())
            .collect::<Vec<_>>(),
        ["family", "given"]
    );
    assert_eq!(
        ids(muller),
        [zoe.id.clone(), given_muller.id.clone()],
        "family prefix ranks above given prefix"
    );
    assert_eq!(
        ids(rita.search_patients("mu", &opts).expect("search")).len(),
        3
    );
    assert_eq!(
        ids(rita.search_patients("zoe mul", &opts).expect("search")),
        vec![zoe.id.clone()]
    );
    assert_eq!(
        ids(rita.search_patients("LUKASZ", &opts).expect("search")),
        vec![lukasz.id.clone()]
    );
    assert_eq!(
        ids(rita
            .search_patients("orsted-strasse", &opts)
            .expect("search")),
        vec![lukasz.id.clone()]
    );
    assert_eq!(
        ids(rita.search_patients("strasse", &opts).expect("search")),
        vec![lukasz.id.clone()]
    );
    assert_eq!(
        ids(rita
            .search_patients(&anna.mrn.to_lowercase(), &opts)
            .expect("mrn")),
        vec![anna.id.clone()]
    );
    assert_eq!(
        ids(rita.search_patients("1985-03-14", &opts).expect("dob")),
        vec![zoe.id.clone()]
    );
    assert_eq!(
        ids(rita.search_patients("7946", &opts).expect("phone")),
        vec![anna.id.clone()]
    );
    assert_eq!(
        ids(rita.search_patients("0958", &opts).expect("phone")),
        vec![anna.id.clone()]
    );
    assert_eq!(
        ids(rita
            .search_patients("mullins 4420", &opts)
            .expect("name and phone")),
        vec![anna.id.clone()]
    );
    assert!(rita
        .search_patients("mullins 9999", &opts)
        .expect("search")
        .is_empty());
    let limited = rita
        .search_patients(
            "mu",
            &SearchOptions {
                limit: 1,
                include_archived: false,
            },
        )
        .expect("search");
    assert_eq!(limited.len(), 1);
    for short in ["z", " ", "12", "", "a\u{7}b"] {
        assert_eq!(
            rita.search_patients(short, &opts)
                .map(drop)
                .expect_err(short)
                .code(),
            "invalid_input",
            "{short:?}"
        );
    }
    rita.archive_patient(&zoe.id).expect("archive");
    assert!(rita
        .search_patients("zoe", &opts)
        .expect("search")
        .is_empty());
    let with_archived = SearchOptions {
        include_archived: true,
        ..opts
    };
    assert_eq!(
        ids(rita.search_patients("zoe", &with_archived).expect("search")),
        vec![zoe.id.clone()]
    );
    assert_eq!(
        rita.archive_patient(&zoe.id).expect_err("twice").code(),
        "conflict"
    );
}

#[test]
fn mrn_order_is_mrn_then_dob_then_names() {
    let staff = Staff::new();
    let mut rita = staff.as_role(Role::Receptionist);
    let a = rita
        .add_patient(&patient("Ada", "Lovelace", "1990-01-01"), false)
        .expect("a");
    let prefix = a.mrn.split('-').next().expect("prefix").to_string();
    assert_eq!(prefix.len(), 4);
    assert!(a.mrn.ends_with("-000001"), "{}", a.mrn);
    let b = rita
        .add_patient(&patient("Ada", "Lovelace", "1990-01-02"), false)
        .expect("b");
    assert_eq!(b.mrn, format!("{prefix}-000002"));
    let hits = rita
        .search_patients("1990-01-02", &SearchOptions::default())
        .expect("dob");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].matched, MatchKind::Dob);
}

#[test]
fn duplicates_conflict_unless_forced_and_validation_explains() {
    let staff = Staff::new();
    let mut rita = staff.as_role(Role::Receptionist);
    rita.add_patient(&patient("Zoë", "Müller", "1985-03-14"), false)
        .expect("first");
    let err = rita
        .add_patient(&patient("ZOE", "muller", "1985-03-14"), false)
        .expect_err("duplicate");
    assert_eq!(err.code(), "conflict");
    rita.add_patient(&patient("ZOE", "muller", "1985-03-14"), true)
        .expect("forced");
    for (bad, why) in [
        (patient("", "X", "1990-01-01"), "given name is required"),
        (patient("A", "X", "2023-02-29"), "not a real date"),
        (patient("A", "X", "2999-01-01"), "in the future"),
        (patient("A", &"x".repeat(101), "1990-01-01"), "too long"),
        (patient("A\u{0}B", "X", "1990-01-01"), "control characters"),
        (
            NewPatient {
                phone: Some("0301234567".into()),
                ..patient("A", "X", "1990-01-01")
            },
            "E.164",
        ),
        (
            NewPatient {
                email: Some("not-an-email".into()),
                ..patient("A", "X", "1990-01-01")
            },
            "e-mail",
        ),
        (
            NewPatient {
                sex: Some("robot".into()),
                ..patient("A", "X", "1990-01-01")
            },
            "sex",
        ),
    ] {
        let err = rita.add_patient(&bad, false).expect_err(why);
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains(why), "{err} should mention {why}");
    }
}

#[test]
fn hostile_and_international_names_are_stored_and_found_intact() {
    let staff = Staff::new();
    let mut rita = staff.as_role(Role::Receptionist);
    for (given, family, query) in [
        ("Robert'); DROP TABLE patients; --", "Tables", "robert"),
        ("محمد", "العلي", "العلي"),
        ("דוד", "כהן", "כהן"),
        ("😀 Smiley", "Emoji 🎉", "emoji"),
        ("小明", "王", "小明"),
        ("Ιωάννης", "Παπαδόπουλος", "παπα"),
        ("100%_wild*", "Glob[x]?", "glob[x"),
    ] {
        let added = rita
            .add_patient(&patient(given, family, "2001-02-03"), true)
            .expect(given);
        let shown = rita.show_patient(&added.id).expect("show");
        assert_eq!(
            (shown.given.as_str(), shown.family.as_str()),
            (given, family)
        );
        let hits = rita
            .search_patients(query, &SearchOptions::default())
            .expect(query);
        assert!(
            hits.iter().any(|h| h.patient.id == added.id),
            "{query} should find {given} {family}"
        );
    }
    assert_eq!(
        rita.show_patient("no-such-id").expect_err("unknown").code(),
        "not_found"
    );
    assert_eq!(
        rita.archive_patient("'; --").expect_err("unknown").code(),
        "not_found"
    );
}

#[test]
fn updates_keep_history_and_events_name_fields_only() {
    let staff = Staff::new();
    let mut rita = staff.as_role(Role::Receptionist);
    let p = rita
        .add_patient(&patient("Zoë", "Müller", "1985-03-14"), false)
        .expect("add");
    let update = PatientUpdate {
        family: Some("Schmidt".into()),
        phone: Some("+4930123456".into()),
        ..PatientUpdate::default()
    };
    let (after, changed) = rita.update_patient(&p.id, &update).expect("update");
    assert_eq!(changed, ["family", "phone"]);
    assert_eq!(after.version, 2);
    assert!(
        after.hlc
            > rita
                .show_patient(&p.id)
                .map(|_| String::new())
                .expect("show")
    );
    let unchanged = rita.update_patient(
        &p.id,
        &PatientUpdate {
            family: Some("Schmidt".into()),
            ..PatientUpdate::default()
        },
    );
    assert_eq!(unchanged.expect("same value").1.len(), 0);
    assert_eq!(
        rita.update_patient(&p.id, &PatientUpdate::default())
            .expect_err("empty")
            .code(),
        "invalid_input"
    );
    let cleared = rita.update_patient(
        &p.id,
        &PatientUpdate {
            phone: Some(String::new()),
            ..PatientUpdate::default()
        },
    );
    assert_eq!(cleared.expect("clear").0.phone, None);
    let history = rita.patient_history(&p.id).expect("history");
    let family = history
        .iter()
        .find(|h| h.field == "family")
        .expect("family change");
    assert_eq!(
        (family.before.as_deref(), family.after.as_deref()),
        (Some("Müller"), Some("Schmidt"))
    );
    assert_eq!(history.iter().filter(|h| h.field == "phone").count(), 2);
    assert!(rita
        .search_patients("muller", &SearchOptions::default())
        .expect("old name")
        .is_empty());
    assert_eq!(
        rita.search_patients("schmi", &SearchOptions::default())
            .expect("new name")
            .len(),
        1
    );
    rita.lock().expect("lock");
    let mut admin = staff.as_role(Role::Admin);
    let events = admin
        .audit_list(&AuditFilter {
            patient: Some(p.id.clone()),
            ..AuditFilter::default()
        })
        .expect("list");
    let update_event = events
        .iter()
        .find(|e| e.event.action == "patient.update")
        .expect("update event");
    assert_eq!(update_event.event.changed_fields, ["family", "phone"]);
    let encoded =
        serde_json::to_string(&events.iter().map(|e| &e.event).collect::<Vec<_>>()).expect("json");
    assert!(
        !encoded.contains("Schmidt") && !encoded.contains("+4930123456"),
        "values never enter events"
    );
}

#[test]
fn the_desk_sees_a_scan_icon_and_the_clinician_its_thumbnail() {
    use crate::scans::Preview;
    let staff = Staff::new();
    let mut rita = staff.as_role(Role::Receptionist);
    let p = rita
        .add_patient(&patient("Amara", "Okafor", "1975-07-08"), false)
        .expect("patient");
    let imported = rita.import_scan(&p.id, &corpus_png()).expect("import");
    assert_eq!(imported.preview, Preview::Icon);
    assert_eq!(
        rita.scan_thumbnail(&imported.id)
            .expect_err("a thumbnail is a view")
            .code(),
        "forbidden"
    );
    rita.lock().expect("lock");
    let mut carl = staff.as_role(Role::Clinician);
    let listed = carl.list_scans(&p.id).expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].preview, Preview::Thumbnail);
    let thumb = carl
        .scan_thumbnail(&imported.id)
        .expect("thumbnail")
        .expect("an image has one");
    assert!(thumb.width <= 256 && thumb.height <= 256 && !thumb.bytes.is_empty());
    // The import's event names the patient and keeps what stripping removed, locally.
    carl.lock().expect("lock");
    let mut admin = staff.as_role(Role::Admin);
    let events = admin
        .audit_list(&AuditFilter {
            action: Some("scan.import".into()),
            ..AuditFilter::default()
        })
        .expect("list");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event.patient_id.as_deref(), Some(p.id.as_str()));
    assert_eq!(events[0].detail.as_ref().expect("detail")["kind"], "png");
}
