//! Memory kept out of swap and core dumps for what quick unlock holds while the vault is
//! locked (the wrapped data key) and, while unlocked, the PIN: one anonymous page per
//! value, `mlock`ed, marked `MADV_DONTDUMP` and `MADV_WIPEONFORK`, zeroized and unmapped
//! on drop. If the page cannot be locked (`RLIMIT_MEMLOCK` reached, or no `mlock` on
//! this platform) no such memory is handed out: the caller does not arm quick unlock,
//! so nothing it would hold can reach swap.

use super::error::QuickError;

/// A fixed-size byte buffer in its own locked page.
pub(crate) struct LockedBytes {
    ptr: *mut u8,
    len: usize,
    page: usize,
}

// SAFETY: the page is owned exclusively by this value; nothing else aliases it.
unsafe impl Send for LockedBytes {}
// SAFETY: shared access is read-only (`expose`); mutation needs `&mut self`.
unsafe impl Sync for LockedBytes {}

impl LockedBytes {
    /// Copies `bytes` into a fresh locked page; `MemoryNotLockable` if it cannot be had.
    #[cfg(target_os = "linux")]
    pub(crate) fn new(bytes: &[u8]) -> Result<LockedBytes, QuickError> {
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) })
            .unwrap_or(4096)
            .max(4096);
        if bytes.len() > page {
            return Err(QuickError::MemoryNotLockable);
        }
        // SAFETY: an anonymous private mapping with no address hint; checked below.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                page,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(QuickError::MemoryNotLockable);
        }
        // SAFETY: `ptr` is the page just mapped, `page` bytes long.
        unsafe {
            if libc::mlock(ptr, page) != 0 {
                libc::munmap(ptr, page);
                return Err(QuickError::MemoryNotLockable);
            }
            // Best effort: older kernels lack these; the page is locked either way.
            libc::madvise(ptr, page, libc::MADV_DONTDUMP);
            libc::madvise(ptr, page, libc::MADV_WIPEONFORK);
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.cast::<u8>(), bytes.len());
        }
        Ok(LockedBytes {
            ptr: ptr.cast(),
            len: bytes.len(),
            page,
        })
    }

    /// Without `mlock` support, quick unlock is never armed.
    #[cfg(not(target_os = "linux"))]
    pub(crate) fn new(_bytes: &[u8]) -> Result<LockedBytes, QuickError> {
        Err(QuickError::MemoryNotLockable)
    }

    pub(crate) fn expose(&self) -> &[u8] {
        // SAFETY: `ptr` points at `page >= len` mapped bytes owned by `self`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl std::fmt::Debug for LockedBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LockedBytes(<redacted>)")
    }
}

impl Drop for LockedBytes {
    fn drop(&mut self) {
        // SAFETY: `ptr` is this value's page; volatile writes so the wipe is not elided.
        unsafe {
            for idx in 0..self.page {
                std::ptr::write_volatile(self.ptr.add(idx), 0);
            }
            std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
            #[cfg(target_os = "linux")]
            {
                libc::munlock(self.ptr.cast(), self.page);
                libc::munmap(self.ptr.cast(), self.page);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_bytes_hold_their_content_in_a_locked_page() -> Result<(), QuickError> {
        let held = LockedBytes::new(b"wrapped key bytes")?;
        assert_eq!(held.expose(), b"wrapped key bytes");
        // The page is counted as locked memory of this process.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let locked_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmLck:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        assert!(locked_kib >= 4, "VmLck: {locked_kib} kB");
        Ok(())
    }

    #[test]
    fn more_than_a_page_is_refused() {
        assert!(matches!(
            LockedBytes::new(&[0u8; 70_000]),
            Err(QuickError::MemoryNotLockable)
        ));
    }
}
