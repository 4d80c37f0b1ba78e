//! Key rotation on a session: the recovery key (a new slot replaces the old one) and
//! the data key (three steps under the exclusive session lock; ARCHITECTURE.md).

use crate::crockford;
use crate::db;
use crate::error::Result;
use crate::keyslots::{self, NewSlot, SlotKind};
use crate::secrets::{DataKey, ShownSecret};
use crate::vault::kernel::{self, Writer};
use crate::vault::session::op;
use crate::vault::Session;
use clinic_vault_proto::Action;

impl Session {
    /// Replaces the recovery key; the old one stops working.
    pub fn rotate_recovery_key(&mut self) -> Result<ShownSecret> {
        let kdf = self.p.cfg.kdf;
        self.run(op(Action::RecoveryKeyRotate, None), |ctx| {
            let key = crockford::new_recovery_key();
            let data = crockford::normalize_recovery_key(&key).expect("fresh key is well-formed");
            let (slot, _) = keyslots::new_slot(
                ctx.vault_id,
                NewSlot {
                    kind: SlotKind::Recovery,
                    user_id: None,
                    user_name: None,
                    one_time_expires_us: None,
                },
                data.as_bytes(),
                kdf,
                ctx.dek,
            )?;
            let slots = ctx.slots_mut()?;
            slots.slots.retain(|s| s.kind != SlotKind::Recovery);
            slots.slots.push(slot);
            let vault_id = ctx.vault_id.to_string();
            ctx.event(Action::RecoveryKeyRotate).resource_id = Some(vault_id);
            Ok(ShownSecret::new(key))
        })
    }

    /// Rotates the data key: every page is re-encrypted under a fresh key, which is then
    /// sealed to every remaining slot. Needs every other session closed.
    pub fn rekey(&mut self) -> Result<()> {
        // The permission first: a role that may not rotate is refused (and audited)
        // before the exclusive lock is even tried.
        self.check_permission(Action::VaultRekeyBegin)?;
        let rotated = kernel::exclusively(self, |s| &s.p.lock, Session::rekey_exclusive);
        // A key wrapped under a PIN is the old data key now (or maybe, after a failure
        // midway): none is worth keeping.
        self.p.cfg.quick.wipe_all();
        rotated
    }

    fn rekey_exclusive(&mut self) -> Result<()> {
        let new_dek = DataKey::generate();
        // Step 1: every slot also carries the new key, recorded and published.
        self.run(op(Action::VaultRekey, None), |ctx| {
            let vault_id = ctx.vault_id.to_string();
            for slot in &mut ctx.slots_mut()?.slots {
                slot.next_sealed_dek = Some(slot.seal_dek(&vault_id, &new_dek)?);
            }
            let vault_id = ctx.vault_id.to_string();
            let event = ctx.event(Action::VaultRekeyBegin);
            event.resource_id = Some(vault_id);
            Ok(())
        })?;
        // Step 2: re-encrypt (one SQLCipher transaction; a crash leaves either key).
        Writer::acquire(&self.p.paths)?.raw(&self.p.conn, |conn| db::rekey(conn, &new_dek))?;
        self.p.dek = new_dek;
        // Step 3: the new key becomes the only one.
        self.run(op(Action::VaultRekey, None), |ctx| {
            for slot in &mut ctx.slots_mut()?.slots {
                if let Some(next) = slot.next_sealed_dek.take() {
                    slot.sealed_dek = next;
                }
            }
            let vault_id = ctx.vault_id.to_string();
            ctx.event(Action::VaultRekey).resource_id = Some(vault_id);
            Ok(())
        })
    }
}
