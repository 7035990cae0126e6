//! Bearer tokens: a [`Secret`] that never prints, and a [`TokenFile`] that
//! follows the kubelet's rotation.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// How long a token read from a file is used before the file is read again.
///
/// client-go re-reads every minute minus a 10 s leeway, kube-rs the same.
/// The kubelet refreshes a projected token at 80% of its lifetime (at the
/// earliest 8 minutes into a 10-minute token), so a minute is always in time.
pub const TOKEN_RELOAD_PERIOD: Duration = Duration::from_secs(50);

/// The largest token file read, in bytes. A service-account token is a
/// JWT of 1 to 2 KB; OIDC tokens with many groups run to a few KB. The API
/// server refuses request headers past 1 MiB in all, and a file this large
/// is not a token: kapi refuses it, naming the file and its size.
pub const MAX_TOKEN_BYTES: u64 = 64 * 1024;

/// A credential. Its `Debug` and `Display` print `<masked>`, so it cannot
/// leak through logging, error messages or panics.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The secret itself: only for the `Authorization` header.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<masked>")
    }
}

/// A bearer token read from a file and re-read as the kubelet rotates it.
///
/// - re-read when the last read is older than [`TOKEN_RELOAD_PERIOD`];
/// - re-read at once after a `401` ([`TokenFile::reload`]);
/// - a failed or empty re-read keeps the last good token (client-go does the
///   same; kubernetes/kubernetes#68164).
#[derive(Debug)]
pub(crate) struct TokenFile {
    path: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    token: Secret,
    read_at: Instant,
}

impl TokenFile {
    /// Reads the token now: a missing, unreadable or empty file is an error.
    pub(crate) fn open(path: &Path) -> Result<TokenFile> {
        let token = read(path)?;
        Ok(TokenFile {
            path: path.to_path_buf(),
            state: Mutex::new(State {
                token,
                read_at: Instant::now(),
            }),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The token to send now, re-reading the file when the period is over.
    pub(crate) fn current(&self) -> Secret {
        let mut state = self.lock();
        if state.read_at.elapsed() >= TOKEN_RELOAD_PERIOD {
            if let Ok(token) = read(&self.path) {
                state.token = token;
            }
            // Whether or not the read worked, wait a period before the next
            // one: a broken file must not turn every request into a read.
            state.read_at = Instant::now();
        }
        state.token.clone()
    }

    /// Re-reads the file now (after a `401`). True when the token changed,
    /// which makes the failed request worth one retry.
    pub(crate) fn reload(&self) -> bool {
        let mut state = self.lock();
        state.read_at = Instant::now();
        match read(&self.path) {
            Ok(token) if token != state.token => {
                state.token = token;
                true
            }
            _ => false,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is two plain fields updated together; a panic elsewhere
        // cannot leave them half-written, so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(test)]
    fn age_by(&self, d: Duration) {
        let mut state = self.lock();
        state.read_at = state.read_at.checked_sub(d).unwrap_or(state.read_at);
    }
}

fn read(path: &Path) -> Result<Secret> {
    use std::io::Read;
    let read_error = |source| Error::ReadFile {
        what: "token",
        path: path.to_path_buf(),
        source,
    };
    let invalid = |reason: String| Error::InvalidToken {
        path: path.to_path_buf(),
        reason,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_TOKEN_BYTES + 1).read_to_end(&mut bytes))
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_TOKEN_BYTES {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(invalid(format!(
            "it is {size} bytes, more than the {MAX_TOKEN_BYTES} kapi accepts \
             (a service-account token is 1-2 KB); point kapi at the token file"
        )));
    }
    let token = bytes.trim_ascii();
    if token.is_empty() {
        return Err(Error::EmptyToken(path.to_path_buf()));
    }
    // Never the byte's neighbours: they are part of the secret.
    if let Some(at) = token
        .iter()
        .position(|b| b.is_ascii_control() || !b.is_ascii())
    {
        let offset = at + (token.as_ptr() as usize - bytes.as_ptr() as usize);
        let what = if token[at].is_ascii() {
            "a control character"
        } else {
            "a non-ASCII byte"
        };
        return Err(invalid(format!(
            "it holds {what} (0x{:02x} at byte {offset}); a bearer token is one line of \
             printable ASCII: write the token alone to the file",
            token[at]
        )));
    }
    // Only ASCII is left, so this cannot fail; no unwrap on file content.
    let token = String::from_utf8_lossy(token).into_owned();
    Ok(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// A token file removed when the test ends.
    struct TempToken(PathBuf);

    impl std::ops::Deref for TempToken {
        type Target = PathBuf;
        fn deref(&self) -> &PathBuf {
            &self.0
        }
    }

    impl AsRef<Path> for TempToken {
        fn as_ref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempToken {
        fn drop(&mut self) {
            let _ = fs::remove_file(&self.0);
        }
    }

    fn temp_token(name: &str, content: &str) -> TempToken {
        let path = std::env::temp_dir().join(format!("kapi-token-{}-{name}", std::process::id()));
        fs::write(&path, content).unwrap();
        TempToken(path)
    }

    #[test]
    fn secret_never_prints() {
        let s = Secret::new("super-secret".into());
        assert_eq!(format!("{s:?}"), "<masked>");
        let file = TokenFile::open(&temp_token("debug", "super-secret")).unwrap();
        assert!(!format!("{file:?}").contains("super-secret"));
    }

    #[test]
    fn refresh_token_after_the_period_not_before() {
        // The Python client's test_refresh_token, with kapi's period.
        let path = temp_token("refresh", "temp_token");
        let file = TokenFile::open(&path).unwrap();
        assert_eq!(file.current().expose(), "temp_token");
        fs::write(&path, "temp_new_token").unwrap();
        assert_eq!(
            file.current().expose(),
            "temp_token",
            "re-read before the period ended"
        );
        file.age_by(TOKEN_RELOAD_PERIOD);
        assert_eq!(file.current().expose(), "temp_new_token");
    }

    #[test]
    fn failed_reread_keeps_the_last_good_token() {
        let path = temp_token("keep", "good");
        let file = TokenFile::open(&path).unwrap();
        fs::remove_file(&path).unwrap();
        file.age_by(TOKEN_RELOAD_PERIOD);
        assert_eq!(file.current().expose(), "good");
        fs::write(&path, "\n").unwrap();
        assert!(!file.reload());
        assert_eq!(file.current().expose(), "good");
    }

    #[test]
    fn control_and_non_ascii_bytes_name_the_file_and_the_byte_not_the_token() {
        let path = temp_token("nul", "\nabc\0secret\n");
        let err = TokenFile::open(&path).unwrap_err().to_string();
        assert!(err.contains(&format!("{:?}", path.as_path())), "{err}");
        assert!(
            err.contains("a control character (0x00 at byte 4)"),
            "{err}"
        );
        assert!(!err.contains("secret") && !err.contains("abc"), "{err}");
        let path = temp_token("utf8", "tök");
        let err = TokenFile::open(&path).unwrap_err().to_string();
        assert!(err.contains("a non-ASCII byte (0xc3 at byte 1)"), "{err}");
    }

    #[test]
    fn a_huge_token_file_is_refused_with_its_size() {
        let path = temp_token("huge", &"a".repeat(1 << 20));
        let err = TokenFile::open(&path).unwrap_err().to_string();
        assert!(
            err.contains("it is 1048576 bytes, more than the 65536"),
            "{err}"
        );
        let path = temp_token("max", &"a".repeat(MAX_TOKEN_BYTES as usize));
        assert!(TokenFile::open(&path).is_ok());
    }

    #[test]
    fn reload_reports_a_change() {
        let path = temp_token("reload", "one");
        let file = TokenFile::open(&path).unwrap();
        assert!(!file.reload(), "same token is no change");
        fs::write(&path, "two\n").unwrap();
        assert!(file.reload());
        assert_eq!(file.current().expose(), "two");
    }
}
