//! StudioConnect patch (see `vendor/lopdf/PATCH.md`): a bound on how many bytes of stream data
//! one thread may decode, so a compression bomb (a small stream that inflates to gigabytes) or a
//! stream decoded over and over is refused instead of exhausting memory.

use std::cell::Cell;

use crate::Error;

thread_local! {
    /// Bytes this thread may still decode; `None` when no budget is set (lopdf's own behaviour).
    static REMAINING: Cell<Option<usize>> = const { Cell::new(None) };
    /// The most one filter of one stream may produce while a budget is set.
    static PER_STREAM: Cell<usize> = const { Cell::new(usize::MAX) };
    /// Whether a decode on this thread was refused for want of budget.
    static EXHAUSTED: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f` with at most `total` bytes of decoded stream output allowed on this thread (every
/// filter's output counts, and a stream decoded twice counts twice), and at most `per_stream` from
/// one filter of one stream (what is parsed whole afterwards, such as a page's content). A decode
/// past either fails with an error, which lopdf's callers may swallow; the second value says
/// whether that happened.
pub fn with_decode_budget<T>(total: usize, per_stream: usize, f: impl FnOnce() -> T) -> (T, bool) {
    struct Restore(Option<usize>, usize, bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            REMAINING.with(|r| r.set(self.0));
            PER_STREAM.with(|p| p.set(self.1));
            EXHAUSTED.with(|e| e.set(self.2));
        }
    }
    let _restore = Restore(
        REMAINING.with(|r| r.replace(Some(total))),
        PER_STREAM.with(|p| p.replace(per_stream)),
        EXHAUSTED.with(|e| e.replace(false)),
    );
    let value = f();
    (value, EXHAUSTED.with(Cell::get))
}

/// The most the next decode may produce.
pub(crate) fn limit() -> usize {
    REMAINING
        .with(Cell::get)
        .map_or(usize::MAX, |left| left.min(PER_STREAM.with(Cell::get)))
}

/// Counts `produced` bytes against the budget.
pub(crate) fn charge(produced: usize) -> Result<(), Error> {
    REMAINING.with(|r| match r.get() {
        None => Ok(()),
        Some(left) if produced <= left => {
            r.set(Some(left - produced));
            Ok(())
        }
        Some(_) => {
            r.set(Some(0));
            Err(exceeded())
        }
    })
}

/// The error of a decode past the budget; marks the budget exhausted.
pub(crate) fn exceeded() -> Error {
    EXHAUSTED.with(|e| e.set(true));
    Error::Unimplemented("decoding past the decode budget")
}

/// A writer that refuses to grow `out` past `limit` bytes.
pub(crate) struct Bounded<'a> {
    pub out: &'a mut Vec<u8>,
    pub limit: usize,
    pub overflowed: bool,
}

impl std::io::Write for Bounded<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len().saturating_add(buf.len()) > self.limit {
            self.overflowed = true;
            return Err(std::io::Error::other("decode budget"));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
