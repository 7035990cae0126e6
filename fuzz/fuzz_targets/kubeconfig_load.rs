//! The kubeconfig loader (`kapi::config::Kubeconfig`) over an arbitrary
//! file: read it, list its contexts, render `kapi config view` (redacted,
//! minified and raw), and build the client configuration of the current
//! context. Errors are fine; a panic, a hang or a secret in an error
//! message is not. No exec plugin is ever run: the command is replaced.
#![no_main]

use std::hint::black_box;
use std::sync::OnceLock;

use kapi::config::{Kubeconfig, KubeconfigOptions};
use libfuzzer_sys::fuzz_target;

fn scratch() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile_dir::Dir> = OnceLock::new();
    DIR.get_or_init(tempfile_dir::Dir::new).path()
}

mod tempfile_dir {
    /// A private directory for the input file, for the process's life.
    pub struct Dir(std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let path = std::env::temp_dir().join(format!("kapi-fuzz-kubeconfig-{}", std::process::id()));
            std::fs::create_dir_all(&path).expect("a scratch directory");
            Dir(path)
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // An exec plugin in the input must not run anything real.
    let text = String::from_utf8_lossy(data).replace("command", "commandx");
    let path = scratch().join("config");
    if std::fs::write(&path, text.as_bytes()).is_err() {
        return;
    }
    let config = match Kubeconfig::read(&path) {
        Ok(config) => config,
        Err(e) => {
            black_box(e.to_string());
            return;
        }
    };
    black_box(config.current_context().map(str::len));
    black_box(config.contexts().len());
    for (raw, minify) in [(false, false), (false, true), (true, false)] {
        if let Ok(view) = config.view(raw, minify, None) {
            black_box(view.to_string());
        }
    }
    match config.config(&KubeconfigOptions::default()) {
        Ok(c) => black_box(format!("{c:?}")).len(),
        Err(e) => black_box(e.to_string()).len(),
    };
});
