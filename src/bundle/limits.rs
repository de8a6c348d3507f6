//! Caps on what one bundle may make us decode and hold, and the meter that enforces them.
//!
//! Sizes written in archive headers are chosen by whoever built the archive, so they are never
//! trusted: only bytes actually produced by a decoder (or read from a file) are counted, as
//! they stream through [`Metered`]. A zip or gzip bomb therefore stops at the cap instead of
//! filling memory.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read};
use std::rc::Rc;

/// How much a bundle may make the reader decode and keep.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes produced by decoders and file reads, over the whole bundle.
    pub max_total_bytes: u64,
    /// Entries (files, links, special files) over the whole bundle; directories are free.
    pub max_members: usize,
    /// Size of one member after decompression.
    pub max_member_bytes: u64,
    /// Levels of archives inside the bundle that are expanded (1: an archive inside the
    /// bundle is expanded, an archive inside that one is kept as it is).
    pub max_depth: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_total_bytes: 2 << 30,
            max_members: 200_000,
            max_member_bytes: 512 << 20,
            max_depth: 1,
        }
    }
}

/// The error a [`Metered`] reader returns once the total budget is spent; readers above it
/// (tar, gzip, xz) pass it up, and [`Meter::exhausted`] tells it apart from corruption.
#[derive(Debug)]
pub(crate) struct BudgetSpent;

impl fmt::Display for BudgetSpent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("total size limit reached")
    }
}

impl std::error::Error for BudgetSpent {}

/// The running count of bytes produced for one bundle, shared by every reader of it.
#[derive(Debug)]
pub(crate) struct Meter {
    used: Cell<u64>,
    cap: u64,
    exhausted: Cell<bool>,
}

impl Meter {
    pub(crate) fn new(cap: u64) -> Rc<Meter> {
        Rc::new(Meter {
            used: Cell::new(0),
            cap,
            exhausted: Cell::new(false),
        })
    }

    pub(crate) fn used(&self) -> u64 {
        self.used.get()
    }

    pub(crate) fn cap(&self) -> u64 {
        self.cap
    }

    /// True once a read or charge was refused because the cap was reached.
    pub(crate) fn exhausted(&self) -> bool {
        self.exhausted.get()
    }

    /// Gives back bytes that were counted but are no longer held, because they were replaced
    /// by what they decode to (a `.gz` member, an expanded nested archive).
    pub(crate) fn refund(&self, bytes: usize) {
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        self.used.set(self.used.get().saturating_sub(bytes));
    }

    /// Counts bytes made without a reader (copies of linked members); refuses past the cap.
    pub(crate) fn try_charge(&self, bytes: usize) -> bool {
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        match self.used.get().checked_add(bytes) {
            Some(total) if total <= self.cap => {
                self.used.set(total);
                true
            }
            _ => {
                self.exhausted.set(true);
                false
            }
        }
    }

    fn left(&self) -> u64 {
        self.cap.saturating_sub(self.used.get())
    }
}

/// A reader that counts what passes through it against a [`Meter`] and fails once the cap
/// is reached.
pub(crate) struct Metered<R> {
    inner: R,
    meter: Rc<Meter>,
}

impl<R> Metered<R> {
    pub(crate) fn new(inner: R, meter: &Rc<Meter>) -> Self {
        Metered {
            inner,
            meter: Rc::clone(meter),
        }
    }
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let left = self.meter.left();
        if left == 0 {
            return self.probe_past_cap();
        }
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.meter.used.set(self.meter.used.get() + n as u64);
        Ok(n)
    }
}

impl<R: Read> Metered<R> {
    /// A stream that ends exactly at the cap is complete, not over it: look one byte ahead
    /// before calling it a limit breach.
    fn probe_past_cap(&mut self) -> io::Result<usize> {
        let mut probe = [0u8; 1];
        loop {
            match self.inner.read(&mut probe) {
                Ok(0) => return Ok(0),
                Ok(_) => {
                    self.meter.exhausted.set(true);
                    return Err(io::Error::other(BudgetSpent));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// What reading one member up to the per-member cap gave.
pub(crate) enum Capped {
    Whole(Vec<u8>),
    /// More than the cap was available; the bytes were read and dropped.
    TooBig,
}

/// Reads at most `max + 1` bytes so that an oversized member is recognised without trusting
/// any header; on error, hands back what was read before it.
pub(crate) fn read_capped<R: Read>(reader: R, max: u64) -> Result<Capped, (Vec<u8>, io::Error)> {
    let mut buf = Vec::new();
    match reader.take(max.saturating_add(1)).read_to_end(&mut buf) {
        Ok(_) if buf.len() as u64 > max => Ok(Capped::TooBig),
        Ok(_) => Ok(Capped::Whole(buf)),
        Err(e) => Err((buf, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metered_stops_at_cap_and_flags_exhaustion() {
        let meter = Meter::new(10);
        let mut out = Vec::new();
        let err = Metered::new(&[7u8; 64][..], &meter)
            .read_to_end(&mut out)
            .unwrap_err();
        assert_eq!(out.len(), 10);
        assert!(meter.exhausted());
        assert_eq!(err.to_string(), "total size limit reached");
    }

    #[test]
    fn stream_ending_exactly_at_cap_is_complete() {
        let meter = Meter::new(8);
        let mut out = Vec::new();
        Metered::new(&[1u8; 8][..], &meter)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, vec![1u8; 8]);
        assert!(!meter.exhausted());
        assert_eq!(meter.used(), 8);
    }

    #[test]
    fn refund_and_charge_move_the_count() {
        let meter = Meter::new(100);
        assert!(meter.try_charge(60));
        assert!(!meter.try_charge(41));
        assert!(meter.exhausted());
        meter.refund(50);
        assert_eq!(meter.used(), 10);
    }

    #[test]
    fn read_capped_tells_oversize_from_whole() {
        assert!(matches!(read_capped(&b"12345"[..], 4), Ok(Capped::TooBig)));
        match read_capped(&b"1234"[..], 4) {
            Ok(Capped::Whole(data)) => assert_eq!(data, b"1234"),
            _ => panic!("expected the whole member"),
        }
    }
}
