//! A `kapi` process left running (a watch, a wait) while the test changes
//! the fake: its stdout read line by line, stderr collected.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kapi_fake::FakeApiServer;

/// How long any one step may take before the test fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A running `kapi`; killed on drop if still running.
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// Starts `kapi ARGS` in the in-cluster environment of `server`.
    pub fn start(server: &FakeApiServer, args: &[&str]) -> Running {
        Running::start_with(server.env(), args)
    }

    /// Starts `kapi ARGS` with exactly `env` (plus `HOME`).
    pub fn start_with(env: Vec<(String, String)>, args: &[&str]) -> Running {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("kapi"))
            .args(args)
            .env_clear()
            .env("HOME", std::env::temp_dir())
            .envs(env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("failed to start kapi");
        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("piped stderr");
        let sink = stderr.clone();
        let stderr_reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Running {
            child,
            lines,
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }

    /// The next line of stdout; panics after [`PATIENCE`].
    pub fn line(&self) -> String {
        self.lines.recv_timeout(PATIENCE).unwrap_or_else(|_| {
            panic!(
                "no line on stdout within {PATIENCE:?}; stderr: {}",
                self.stderr()
            )
        })
    }

    /// stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr contains `text`; panics after [`PATIENCE`].
    pub fn wait_for_stderr(&self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.stderr().contains(text) {
            assert!(
                Instant::now() < deadline,
                "stderr never showed {text:?}: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Ends a process that would run on (a watch) and returns what
    /// [`finish`](Self::finish) does.
    pub fn stop(mut self) -> (ExitStatus, String, String) {
        let _ = self.child.kill();
        self.finish()
    }

    /// Waits for the process to exit (panics after [`PATIENCE`]) and
    /// returns its status, the rest of stdout and all of stderr.
    pub fn finish(mut self) -> (ExitStatus, String, String) {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!(
                    "kapi did not exit within {PATIENCE:?}; stderr: {}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let mut stdout = String::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            stdout.push_str(&line);
            stdout.push('\n');
        }
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        (status, stdout, self.stderr())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits until `server` has received `n` requests that `pred` accepts;
/// panics after [`PATIENCE`].
pub fn wait_for_requests(
    server: &FakeApiServer,
    n: usize,
    pred: impl Fn(&kapi_fake::Recorded) -> bool,
) -> Vec<kapi_fake::Recorded> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let matching: Vec<_> = server.requests().into_iter().filter(|r| pred(r)).collect();
        if matching.len() >= n {
            return matching;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {n} requests arrived: {matching:?}",
            matching.len()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
