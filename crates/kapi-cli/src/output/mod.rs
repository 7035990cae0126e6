//! Writing results: stdout handling, and one module per output format.

pub mod age;
pub mod decode;
pub mod escape;
pub mod json;
pub mod printer;
pub mod result;
pub mod table;
pub mod tabwriter;
pub mod watch;
pub mod yaml;

/// kubectl's `Accept` for human-readable output: a server-side `Table`.
pub const TABLE_ACCEPT: &str =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";

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
