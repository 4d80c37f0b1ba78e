//! Locks on OS screen lock or suspend: listens on the system bus for logind's
//! `Session.Lock` (our session, or any session when ours cannot be found: locking
//! too often is safe) and `Manager.PrepareForSleep(true)`. Without a system bus (some
//! containers) the app still auto-locks on idle; the reason is printed once.

use zbus::blocking::{Connection, MessageIterator, Proxy};
use zbus::message::Type;
use zbus::zvariant::OwnedObjectPath;
use zbus::MatchRule;

use crate::autolock::LockReason;

const LOGIND: &str = "org.freedesktop.login1";

/// Starts the listener thread.
pub fn watch(on_lock: impl Fn(LockReason) + Send + 'static) {
    let spawned = std::thread::Builder::new()
        .name("logind-watch".into())
        .spawn(move || {
            if let Err(e) = listen(&on_lock) {
                eprintln!("clinic-vault: not watching for OS screen lock or suspend: {e}");
            }
        });
    if let Err(e) = spawned {
        eprintln!("clinic-vault: could not start the OS lock watcher: {e}");
    }
}

fn own_session(conn: &Connection) -> Option<OwnedObjectPath> {
    let manager = Proxy::new(
        conn,
        LOGIND,
        "/org/freedesktop/login1",
        "org.freedesktop.login1.Manager",
    )
    .ok()?;
    if let Ok(path) =
        manager.call::<_, _, OwnedObjectPath>("GetSessionByPID", &(std::process::id()))
    {
        return Some(path);
    }
    let id = std::env::var("XDG_SESSION_ID").ok()?;
    manager
        .call::<_, _, OwnedObjectPath>("GetSession", &(id.as_str()))
        .ok()
}

fn listen(on_lock: &dyn Fn(LockReason)) -> zbus::Result<()> {
    let conn = Connection::system()?;
    let session = own_session(&conn);
    let rule = MatchRule::builder()
        .msg_type(Type::Signal)
        .sender(LOGIND)?
        .build();
    let messages = MessageIterator::for_match_rule(rule, &conn, None)?;
    for message in messages {
        let Ok(message) = message else { continue };
        let header = message.header();
        let (Some(interface), Some(member)) = (header.interface(), header.member()) else {
            continue;
        };
        let ours = || match (&session, header.path()) {
            (Some(own), Some(path)) => own.as_str() == path.as_str(),
            _ => true,
        };
        match (interface.as_str(), member.as_str()) {
            ("org.freedesktop.login1.Manager", "PrepareForSleep")
                if message.body().deserialize::<bool>().unwrap_or(true) =>
            {
                on_lock(LockReason::Suspend);
            }
            ("org.freedesktop.login1.Session", "Lock") if ours() => on_lock(LockReason::OsLock),
            _ => {}
        }
    }
    Ok(())
}
