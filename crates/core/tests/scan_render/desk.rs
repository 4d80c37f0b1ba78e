//! A vault with an admin and a clinician, and one patient, for the PDF import tests and
//! benchmark; codes come from a manual clock moved one TOTP step per unlock.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clinic_vault_core::records::NewPatient;
use clinic_vault_core::{
    first_login, init, totp, unlock, Clock, CoreConfig, ManualClock, Password, Role, Session,
};

const ADMIN_PW: &str = "correct horse battery staple orbit";
const CARL_PW: &str = "plum orbit violet candle 42";
const T0_US: i64 = 1_767_225_600_000_000;

/// The vault, its clock and the two users' TOTP URIs.
pub struct Desk {
    pub vault: PathBuf,
    clock: Arc<ManualClock>,
    cfg: CoreConfig,
    admin_uri: String,
    carl_uri: String,
    pub patient_id: String,
}

fn code(clock: &ManualClock, uri: &str) -> String {
    clock.advance_us(30_000_000);
    totp::code_for_uri(uri, clock.now_us() / 1_000_000).expect("code")
}

impl Desk {
    /// Creates the vault under `dir`; nobody is left unlocked.
    pub fn new(dir: &Path) -> Self {
        let clock = Arc::new(ManualClock::new(T0_US));
        let cfg = CoreConfig::new(clock.clone() as Arc<dyn Clock>);
        let vault = dir.join("v");
        let (outcome, admin) =
            init(&vault, "alice", &Password::from_str_copy(ADMIN_PW), &cfg).expect("init");
        admin.lock().expect("lock");
        let admin_uri = outcome.totp_uri.expose_secret().to_string();
        let mut admin = unlock(
            &vault,
            "alice",
            &Password::from_str_copy(ADMIN_PW),
            &code(&clock, &admin_uri),
            &cfg,
        )
        .expect("unlock admin");
        let added = admin.add_user("carl", Role::Clinician).expect("add");
        admin.lock().expect("lock");
        let enrolled = first_login(
            &vault,
            "carl",
            &Password::from_str_copy(added.one_time_password.expose_secret()),
            &Password::from_str_copy(CARL_PW),
            &cfg,
        )
        .expect("first login");
        let mut desk = Desk {
            vault,
            clock,
            cfg,
            admin_uri,
            carl_uri: enrolled.totp_uri.expose_secret().to_string(),
            patient_id: String::new(),
        };
        let mut carl = desk.carl();
        let patient = carl
            .add_patient(
                &NewPatient {
                    given: "Zoë".into(),
                    family: "Müller".into(),
                    dob: "1990-02-03".into(),
                    ..NewPatient::default()
                },
                false,
            )
            .expect("patient");
        carl.lock().expect("lock");
        desk.patient_id = patient.id.to_string();
        desk
    }

    /// The clinician, unlocked.
    pub fn carl(&self) -> Session {
        unlock(
            &self.vault,
            "carl",
            &Password::from_str_copy(CARL_PW),
            &code(&self.clock, &self.carl_uri),
            &self.cfg,
        )
        .expect("unlock carl")
    }

    /// The admin, unlocked.
    pub fn admin(&self) -> Session {
        unlock(
            &self.vault,
            "alice",
            &Password::from_str_copy(ADMIN_PW),
            &code(&self.clock, &self.admin_uri),
            &self.cfg,
        )
        .expect("unlock admin")
    }
}
