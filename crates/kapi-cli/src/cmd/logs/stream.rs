//! Reading log streams: one container's log through a fixed buffer to
//! stdout, line by line (`--prefix`), or several at once (`-f` on more
//! than one container), whole lines at a time so they do not interleave.
//!
//! A followed stream (`-f`) has no whole-request limit, but a read that
//! waits longer than the idle bound (`KAPI_LOGS_IDLE_TIMEOUT`, 5 minutes by
//! default) ends the connection, which may be dead without either side
//! knowing (a NAT entry dropped, an API server gone), and a new request
//! resumes after the last line printed: followed streams are asked for
//! timestamps (`timestamps=true`, removed again unless `--timestamps` was
//! given), the new request has `sinceTime` (whole seconds, as the API
//! server passes it to the kubelet), and lines not later than the last
//! one printed are skipped. Memory is the buffer and one line's start,
//! however long the stream runs.

use std::io::{self, Write};
use std::time::{Duration, Instant};

use kapi::Client;

use crate::error::{Error, Result};
use crate::output::{self, escape};

/// The size of every read.
const BUFFER: usize = 16 * 1024;

/// The longest first word of a line read as its timestamp
/// (`2026-01-01T00:00:00.000000000+05:30` is 35 bytes).
const MAX_STAMP: usize = 40;

/// A line's time: Unix seconds and nanoseconds.
type Stamp = (i64, u32);

/// One container's log request.
pub struct Stream {
    /// `/api/v1/namespaces/NS/pods/POD/log`.
    pub path: String,
    /// The query kubectl sends (the options and the container).
    pub query: Vec<(&'static str, String)>,
    /// `[pod/POD/CONTAINER] ` with `--prefix`.
    pub prefix: Option<String>,
}

/// How every stream of one run is read.
pub struct Mode {
    pub follow: bool,
    /// `--timestamps`: the user wants them printed.
    pub timestamps: bool,
    /// `--limit-bytes`, applied here for followed streams (whose lines carry
    /// timestamps the user may not see).
    pub limit: Option<u64>,
    /// How long a followed stream may be silent before it is resumed on a
    /// new connection.
    pub idle: Duration,
    /// With `-f`: how long a request the server refuses (a container still
    /// being created) is tried again, every second, each refusal on stderr
    /// (kubectl 1.35's `consumeWithRetry`); then the last refusal is the
    /// error.
    pub retry: Option<Duration>,
    /// `--ignore-errors`: a failed stream is an `error: ...` line in the
    /// output (as kubectl writes it) and the others go on.
    pub ignore_errors: bool,
}

/// Reads `streams` one after the other to stdout.
pub fn sequential(client: &Client, streams: &[Stream], mode: &Mode) -> Result<()> {
    let mut out = output::stdout();
    for stream in streams {
        let mut sink = |bytes: &[u8]| -> io::Result<()> {
            out.write_all(bytes)?;
            if mode.follow {
                out.flush()?;
            }
            Ok(())
        };
        consume(client, stream, mode, &mut sink)?;
    }
    out.finish()?;
    Ok(())
}

/// Reads `streams` at once, one thread each, writing whole lines.
pub fn parallel(client: &Client, streams: &[Stream], mode: &Mode) -> Result<()> {
    let results: Vec<Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = streams
            .iter()
            .map(|stream| {
                scope.spawn(move || {
                    let mut pending: Vec<u8> = Vec::new();
                    let mut write = |bytes: &[u8], all: bool| -> io::Result<()> {
                        pending.extend_from_slice(bytes);
                        // Whole lines only, unless a line outgrows the
                        // buffer (then it may interleave, as in kubectl
                        // past bufio's limit).
                        let cut = match pending.iter().rposition(|b| *b == b'\n') {
                            _ if all || pending.len() > BUFFER * 4 => pending.len(),
                            Some(i) => i + 1,
                            None => return Ok(()),
                        };
                        // Stdout's own lock keeps each write whole.
                        let mut out = io::stdout().lock();
                        out.write_all(&pending[..cut])?;
                        out.flush()?;
                        pending.drain(..cut);
                        Ok(())
                    };
                    let result = consume(client, stream, mode, &mut |b| write(b, false))
                        .and_then(|()| Ok(write(&[], true)?));
                    // One stream failing ends the run, as in kubectl
                    // (the others would go on for as long as they follow).
                    match result {
                        Err(Error::BrokenPipe) => std::process::exit(0),
                        Err(e) => {
                            let _ = write(&[], true);
                            e.report();
                            std::process::exit(i32::from(crate::error::exit::ERROR));
                        }
                        Ok(()) => Ok(()),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::msg("a log stream failed")))
            })
            .collect()
    });
    results.into_iter().collect()
}

/// Reads one stream to `sink`, with `--ignore-errors` and the retries of
/// [`Mode::retry`].
fn consume(
    client: &Client,
    stream: &Stream,
    mode: &Mode,
    sink: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> Result<()> {
    let deadline = mode.retry.map(|d| Instant::now() + d);
    let mut lines = Lines::new(stream.prefix.as_deref(), mode);
    loop {
        let e = match read(client, stream, mode, &mut lines, sink) {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if mode.ignore_errors && !matches!(e, Error::BrokenPipe) {
            // kubectl's `"error: " + err.Error()`: a Status is its message.
            let text = match &e {
                Error::Kapi(kapi::Error::Api(status)) => format!("error: {}", status.message),
                other => other.to_string(),
            };
            return Ok(sink(format!("{}\n", escape::text(&text)).as_bytes())?);
        }
        let refused = matches!(e, Error::Kapi(kapi::Error::Api(_)));
        match deadline {
            Some(deadline) if refused && Instant::now() + RETRY_PAUSE < deadline => {
                eprintln!("{}", escape::text(&e.to_string()));
                std::thread::sleep(RETRY_PAUSE);
            }
            _ => return Err(e),
        }
    }
}

/// The pause between tries of a refused followed stream.
const RETRY_PAUSE: Duration = Duration::from_secs(1);

/// Reads one stream to `sink`, resuming a followed stream after its idle
/// bound.
fn read(
    client: &Client,
    stream: &Stream,
    mode: &Mode,
    lines: &mut Lines<'_>,
    sink: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> Result<()> {
    let mut chunk = vec![0u8; BUFFER];
    let mut out = Vec::with_capacity(BUFFER * 2);
    loop {
        let mut request = client.get(&stream.path);
        let resume = lines.last.filter(|_| mode.follow);
        for (key, value) in &stream.query {
            // A resumed stream starts at the last line's second.
            if resume.is_some() && matches!(*key, "tailLines" | "sinceSeconds" | "sinceTime") {
                continue;
            }
            request = request.query(key, value);
        }
        if let Some((seconds, _)) = resume {
            request = request.query("sinceTime", &kapi::gofmt::format_unix(seconds));
        }
        if mode.follow {
            request = request.query("timestamps", "true").streaming(mode.idle);
        }
        // Lines up to the last one printed come again: skip them.
        lines.skip_through = resume;
        lines.at_start = true;
        lines.in_head = false;
        let mut response = request.send()?;
        loop {
            let n = match response.read_some(&mut chunk) {
                Ok(n) => n,
                Err(kapi::Error::Timeout { .. }) if mode.follow && lines.resumable() => break,
                Err(kapi::Error::Timeout { .. }) if mode.follow => {
                    return Err(Error::msg(format!(
                        "no log output for {} and the server's lines carry no timestamps to \
                         resume from: giving up",
                        kapi::duration::format(mode.idle)
                    )))
                }
                Err(e) => return Err(e.into()),
            };
            if n == 0 {
                out.clear();
                lines.finish(&mut out);
                return Ok(sink(&out)?);
            }
            out.clear();
            let more = lines.feed(&chunk[..n], &mut out);
            sink(&out)?;
            if !more {
                return Ok(());
            }
        }
    }
}

/// Splits a stream into lines: adds the prefix, reads (and drops, unless
/// asked for) each line's timestamp when following, and skips the lines a
/// resumed stream sends again.
struct Lines<'p> {
    prefix: Option<&'p [u8]>,
    /// Lines carry a timestamp to read (followed streams).
    stamped: bool,
    /// Print the timestamps (`--timestamps`).
    keep_stamps: bool,
    /// At the start of a line.
    at_start: bool,
    /// The first bytes of the current line, until its first space.
    head: Vec<u8>,
    /// Reading a line's first word.
    in_head: bool,
    /// The current line was printed before: drop it.
    skipping: bool,
    /// The last printed line's time.
    last: Option<Stamp>,
    /// After a reconnect: lines up to this time were printed.
    skip_through: Option<Stamp>,
    /// A line came without a readable timestamp.
    unstamped: bool,
    /// What `--limit-bytes` leaves, for followed streams.
    budget: Option<u64>,
}

impl<'p> Lines<'p> {
    fn new(prefix: Option<&'p str>, mode: &Mode) -> Lines<'p> {
        Lines {
            prefix: prefix.map(str::as_bytes),
            stamped: mode.follow,
            keep_stamps: mode.timestamps,
            at_start: true,
            head: Vec::with_capacity(MAX_STAMP + 1),
            in_head: false,
            skipping: false,
            last: None,
            skip_through: None,
            unstamped: false,
            budget: mode.limit.filter(|_| mode.follow),
        }
    }

    /// Whether a new request can start after the last line printed.
    fn resumable(&self) -> bool {
        !self.unstamped
    }

    /// Writes `input`'s output to `out`; `false` once `--limit-bytes` is
    /// used up.
    fn feed(&mut self, input: &[u8], out: &mut Vec<u8>) -> bool {
        if self.prefix.is_none() && !self.stamped {
            out.extend_from_slice(input);
            return true;
        }
        let mut rest = input;
        while !rest.is_empty() {
            if self.at_start {
                self.at_start = false;
                self.skipping = false;
                if self.stamped {
                    self.in_head = true;
                    self.head.clear();
                } else if let Some(p) = self.prefix {
                    out.extend_from_slice(p);
                }
            }
            if self.in_head {
                let end = rest.iter().position(|b| *b == b' ' || *b == b'\n');
                let take = end
                    .unwrap_or(rest.len())
                    .min(MAX_STAMP + 1 - self.head.len());
                self.head.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                match rest.first() {
                    Some(b' ') if self.head.len() <= MAX_STAMP => {
                        rest = &rest[1..];
                        if !self.end_head(true, out) {
                            return false;
                        }
                    }
                    Some(_) => {
                        // A newline, or a first word too long for a time.
                        if !self.end_head(false, out) {
                            return false;
                        }
                    }
                    None if self.head.len() > MAX_STAMP => {
                        if !self.end_head(false, out) {
                            return false;
                        }
                    }
                    None => return true,
                }
                continue;
            }
            let end = rest.iter().position(|b| *b == b'\n').map(|i| i + 1);
            let line = &rest[..end.unwrap_or(rest.len())];
            rest = &rest[line.len()..];
            if end.is_some() {
                self.at_start = true;
            }
            if !self.skipping && !self.emit(line, out) {
                return false;
            }
        }
        true
    }

    /// The line's first word is complete (`spaced`: a space ended it).
    fn end_head(&mut self, spaced: bool, out: &mut Vec<u8>) -> bool {
        self.in_head = false;
        let head = std::mem::take(&mut self.head);
        let stamp = spaced
            .then(|| std::str::from_utf8(&head).ok().and_then(parse_stamp))
            .flatten();
        let ok = match stamp {
            Some(stamp) => {
                if self.skip_through.is_some_and(|through| stamp <= through) {
                    self.skipping = true;
                    true
                } else {
                    self.skip_through = None;
                    self.last = Some(stamp);
                    if let Some(p) = self.prefix {
                        out.extend_from_slice(p);
                    }
                    !self.keep_stamps || (self.emit(&head, out) && self.emit(b" ", out))
                }
            }
            None => {
                self.unstamped = true;
                if let Some(p) = self.prefix {
                    out.extend_from_slice(p);
                }
                self.emit(&head, out) && (!spaced || self.emit(b" ", out))
            }
        };
        self.head = head;
        self.head.clear();
        ok
    }

    /// Writes line bytes within the budget; `false` once it is used up.
    fn emit(&mut self, bytes: &[u8], out: &mut Vec<u8>) -> bool {
        match &mut self.budget {
            None => {
                out.extend_from_slice(bytes);
                true
            }
            Some(left) => {
                let n = bytes.len().min(*left as usize);
                out.extend_from_slice(&bytes[..n]);
                *left -= n as u64;
                *left > 0
            }
        }
    }

    /// The stream ended: a line's first word still held is written.
    fn finish(&mut self, out: &mut Vec<u8>) {
        if self.in_head && !self.head.is_empty() {
            self.end_head(false, out);
        }
    }
}

/// A kubelet timestamp (`2026-01-01T00:00:00.123456789Z`, any offset).
fn parse_stamp(text: &str) -> Option<Stamp> {
    let seconds = kapi::gofmt::parse_rfc3339(text)?;
    let nanos = match text.get(19..).and_then(|r| r.strip_prefix('.')) {
        Some(frac) => {
            let digits: String = frac
                .chars()
                .take_while(char::is_ascii_digit)
                .take(9)
                .collect();
            format!("{digits:0<9}").parse().ok()?
        }
        None => 0,
    };
    Some((seconds, nanos))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(follow: bool, timestamps: bool, limit: Option<u64>) -> Mode {
        Mode {
            follow,
            timestamps,
            limit,
            idle: Duration::from_secs(1),
            retry: None,
            ignore_errors: false,
        }
    }

    /// Feeds `input` in pieces of `step` bytes.
    fn run(lines: &mut Lines<'_>, input: &str, step: usize) -> String {
        let mut out = Vec::new();
        for piece in input.as_bytes().chunks(step) {
            if !lines.feed(piece, &mut out) {
                break;
            }
        }
        lines.finish(&mut out);
        String::from_utf8(out).unwrap()
    }

    const STAMPED: &str = "2026-01-01T00:00:00.000000001Z one\n\
                           2026-01-01T00:00:00.000000002Z two words\n\
                           2026-01-01T00:00:01Z three";

    #[test]
    fn prefixes_every_line_in_any_pieces() {
        for step in [1, 2, 5, 100] {
            let m = mode(false, false, None);
            let mut lines = Lines::new(Some("[pod/p/c] "), &m);
            assert_eq!(
                run(&mut lines, "a\nbb\n\nc", step),
                "[pod/p/c] a\n[pod/p/c] bb\n[pod/p/c] \n[pod/p/c] c"
            );
        }
    }

    #[test]
    fn followed_streams_drop_timestamps_unless_asked() {
        for step in [1, 3, 7, 1000] {
            let m = mode(true, false, None);
            let mut lines = Lines::new(None, &m);
            assert_eq!(run(&mut lines, STAMPED, step), "one\ntwo words\nthree");
            assert_eq!(lines.last, Some((1_767_225_601, 0)));
            let m = mode(true, true, None);
            let mut lines = Lines::new(Some("[x] "), &m);
            assert_eq!(
                run(&mut lines, STAMPED, step),
                STAMPED
                    .lines()
                    .map(|l| format!("[x] {l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }

    #[test]
    fn a_resumed_stream_skips_what_was_printed() {
        let m = mode(true, false, None);
        let mut lines = Lines::new(None, &m);
        lines.skip_through = Some((1_767_225_600, 1));
        assert_eq!(run(&mut lines, STAMPED, 4), "two words\nthree");
    }

    #[test]
    fn lines_without_timestamps_pass_and_block_resuming() {
        let m = mode(true, false, None);
        let mut lines = Lines::new(None, &m);
        let long = "x".repeat(60);
        let input = format!("plain line\n{long} y\nnospace\n");
        assert_eq!(run(&mut lines, &input, 3), input);
        assert!(!lines.resumable());
    }

    #[test]
    fn limit_bytes_counts_what_is_printed() {
        let m = mode(true, false, Some(6));
        let mut lines = Lines::new(None, &m);
        assert_eq!(run(&mut lines, STAMPED, 5), "one\ntw");
    }
}
