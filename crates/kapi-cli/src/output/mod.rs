//! Writing results to stdout: buffered, and quiet about a closed pipe.

use std::io::{self, BufWriter, StdoutLock, Write};

/// Buffered, locked stdout. Write errors come back as `io::Error`; a
/// closed pipe becomes [`crate::error::Error::BrokenPipe`] (exit 0).
pub struct Stdout {
    inner: BufWriter<StdoutLock<'static>>,
}

/// Locked, buffered stdout.
pub fn stdout() -> Stdout {
    Stdout {
        inner: BufWriter::with_capacity(64 * 1024, io::stdout().lock()),
    }
}

impl Stdout {
    /// Flushes what is left.
    pub fn finish(mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
