//! The progress of a wait on stderr: one status line rewritten in place on
//! a terminal, or a plain line each time what is observed changes.

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the terminal line is redrawn, for its elapsed time.
const REDRAW: Duration = Duration::from_secs(1);

/// Reports what a wait is waiting for. Only stderr is written.
pub struct Progress {
    start: Instant,
    mode: Mode,
}

enum Mode {
    /// stderr is a terminal: a thread redraws the line once a second so
    /// the elapsed time moves even while the watch is quiet.
    Terminal {
        shared: Arc<Shared>,
        redraw: Option<JoinHandle<()>>,
    },
    /// stderr is a file or pipe: a line per change.
    Lines { last: String },
}

struct Shared {
    state: Mutex<Line>,
    wake: Condvar,
}

struct Line {
    text: String,
    shown: bool,
    stop: bool,
}

impl Progress {
    /// Starts reporting; the elapsed time counts from now.
    pub fn start() -> Progress {
        let start = Instant::now();
        let mode = if std::io::stderr().is_terminal() {
            let shared = Arc::new(Shared {
                state: Mutex::new(Line {
                    text: String::new(),
                    shown: false,
                    stop: false,
                }),
                wake: Condvar::new(),
            });
            let thread_shared = shared.clone();
            let redraw = std::thread::Builder::new()
                .name("progress".into())
                .spawn(move || redraw_loop(&thread_shared, start))
                .ok();
            Mode::Terminal { shared, redraw }
        } else {
            Mode::Lines {
                last: String::new(),
            }
        };
        Progress { start, mode }
    }

    /// Shows `text` (e.g. `waiting for daemonset.apps/gateway:
    /// {.status.numberReady}=19, want 20`); the elapsed time is added.
    pub fn update(&mut self, text: &str) {
        // One status line, often with a server value in it.
        let text = &*crate::output::escape::cell(text);
        match &mut self.mode {
            Mode::Terminal { shared, .. } => {
                let mut line = lock(shared);
                if line.text != text {
                    line.text = text.to_string();
                    draw(&mut line, self.start);
                }
            }
            Mode::Lines { last } => {
                if last != text {
                    *last = text.to_string();
                    let _ = writeln!(std::io::stderr().lock(), "{text} ({})", elapsed(self.start));
                }
            }
        }
    }

    /// Prints a message line on stderr (clearing the status line first).
    pub fn note(&mut self, message: &str) {
        self.clear();
        let message = crate::output::escape::text(message);
        let _ = writeln!(std::io::stderr().lock(), "{message}");
    }

    /// Removes the status line, before results or errors are printed.
    pub fn clear(&mut self) {
        if let Mode::Terminal { shared, .. } = &self.mode {
            let mut line = lock(shared);
            if line.shown {
                let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
                line.shown = false;
            }
            line.text.clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.clear();
        if let Mode::Terminal { shared, redraw } = &mut self.mode {
            lock(shared).stop = true;
            shared.wake.notify_all();
            if let Some(handle) = redraw.take() {
                let _ = handle.join();
            }
        }
    }
}

fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, Line> {
    shared.state.lock().unwrap_or_else(|e| e.into_inner())
}

fn redraw_loop(shared: &Shared, start: Instant) {
    let mut line = lock(shared);
    loop {
        let (next, _) = shared
            .wake
            .wait_timeout(line, REDRAW)
            .unwrap_or_else(|e| e.into_inner());
        line = next;
        if line.stop {
            return;
        }
        if !line.text.is_empty() {
            draw(&mut line, start);
        }
    }
}

/// `\r`, clear the line, the text cut to the terminal's width.
fn draw(line: &mut Line, start: Instant) {
    let text = format!("{} ({})", line.text, elapsed(start));
    let width = terminal_width().saturating_sub(1);
    let cut: String = if text.chars().count() > width {
        let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    } else {
        text
    };
    let _ = write!(std::io::stderr().lock(), "\r\x1b[2K{cut}");
    line.shown = true;
}

/// `$COLUMNS` when the shell exports it, else 80: a wrapped line could not
/// be rewritten in place.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok())
        .filter(|w: &usize| *w >= 20)
        .unwrap_or(80)
}

/// Whole seconds, as Go prints durations: `12s`, `1m5s`.
fn elapsed(start: Instant) -> String {
    kapi::duration::format(Duration::from_secs(start.elapsed().as_secs()))
}
