//! A server that accepts TCP connections and never sends a byte, for
//! timeout tests.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::SERVICEACCOUNT_DIR_ENV;

/// Listens on 127.0.0.1, accepts every connection and keeps it open without
/// reading or writing, until dropped. A TLS client hangs in its handshake.
pub struct SilentServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Starts a [`SilentServer`] on a random port.
pub fn silent_server() -> SilentServer {
    let listener = TcpListener::bind("127.0.0.1:0").expect("failed to bind 127.0.0.1:0");
    let addr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let stop = Arc::new(AtomicBool::new(false));
    let thread = thread::Builder::new()
        .name("kapi-fake-silent".into())
        .spawn({
            let stop = stop.clone();
            move || {
                // Held, never used: dropping them would close the connections.
                let mut held = Vec::new();
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    held.extend(stream.ok());
                }
            }
        })
        .expect("failed to spawn the silent server's thread");
    SilentServer {
        addr,
        stop,
        thread: Some(thread),
    }
}

impl SilentServer {
    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Always `127.0.0.1`.
    pub fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The in-cluster environment pointing at this server, with the
    /// committed fixture service-account directory (read only).
    pub fn env(&self) -> Vec<(String, String)> {
        let sa_dir = crate::fixtures_dir().join("serviceaccount");
        vec![
            ("KUBERNETES_SERVICE_HOST".into(), self.host()),
            ("KUBERNETES_SERVICE_PORT".into(), self.port().to_string()),
            (
                SERVICEACCOUNT_DIR_ENV.into(),
                sa_dir.to_string_lossy().into_owned(),
            ),
        ]
    }
}

impl Drop for SilentServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the blocking accept so the thread sees `stop`.
        let _ = TcpStream::connect(self.addr);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
