//! Fixture files served as they are: `GET /a/b/c` from
//! `fixtures/api/a/b/c.json` with 200, or from `fixtures/api/a/b/c.NNN.json`
//! with status NNN. Files are read on every request and served byte for
//! byte.
//!
//! Object files (those [`crate::seed`] loads into the store) are not served
//! from here: the store answers for them, so a deleted object is gone.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// The fixture files that are not store objects.
pub(crate) struct StaticFiles {
    api_dir: PathBuf,
    /// URL paths of the object files.
    objects: HashSet<String>,
}

impl StaticFiles {
    pub(crate) fn new(api_dir: PathBuf, objects: HashSet<String>) -> Self {
        StaticFiles { api_dir, objects }
    }

    /// The status code and bytes for `path`, if a static file serves it.
    pub(crate) fn find(&self, path: &str) -> Option<(u16, Vec<u8>)> {
        let found = find_fixture(&self.api_dir, path)?;
        if found.0 == 200 && self.objects.contains(path) {
            return None;
        }
        Some(found)
    }
}

/// The status code and bytes of the fixture for `path`, if there is one.
/// `NAME.json` (200) wins over `NAME.NNN.json`; among several of those the
/// lowest code wins.
fn find_fixture(api_dir: &Path, path: &str) -> Option<(u16, Vec<u8>)> {
    let relative = path.strip_prefix('/')?;
    // Refuse anything that could step outside `api_dir`.
    if relative
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return None;
    }
    let base = api_dir.join(relative);
    let (dir, name) = (base.parent()?, base.file_name()?.to_str()?);
    if let Ok(body) = fs::read(dir.join(format!("{name}.json"))) {
        return Some((200, body));
    }
    let mut candidates: Vec<(u16, PathBuf)> = fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let file_name = entry.file_name();
            let code = file_name
                .to_str()?
                .strip_prefix(name)?
                .strip_prefix('.')?
                .strip_suffix(".json")?;
            let code: u16 = code.parse().ok().filter(|c| (100..=599).contains(c))?;
            Some((code, entry.path()))
        })
        .collect();
    candidates.sort();
    let (code, file) = candidates.into_iter().next()?;
    Some((code, fs::read(file).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_dir() -> PathBuf {
        crate::fixtures_dir().join("api")
    }

    #[test]
    fn finds_a_plain_fixture_with_200() {
        let (code, body) = find_fixture(
            &api_dir(),
            "/apis/apps/v1/namespaces/test/daemonsets/gateway",
        )
        .unwrap();
        assert_eq!(code, 200);
        assert!(body.starts_with(br#"{"kind":"DaemonSet","apiVersion":"apps/v1","#));
        assert!(body.ends_with(b"}\n"));
    }

    #[test]
    fn finds_a_fixture_with_its_status_code() {
        let (code, body) =
            find_fixture(&api_dir(), "/api/v1/namespaces/kube-system/secrets/admin").unwrap();
        assert_eq!(code, 403);
        assert!(body.starts_with(br#"{"kind":"Status""#));
    }

    #[test]
    fn lowest_status_code_wins_and_plain_wins_over_all() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("x.500.json"), "500").unwrap();
        fs::write(dir.path().join("x.409.json"), "409").unwrap();
        fs::write(dir.path().join("x.abc.json"), "no").unwrap();
        assert_eq!(find_fixture(dir.path(), "/x"), Some((409, b"409".to_vec())));
        fs::write(dir.path().join("x.json"), "200").unwrap();
        assert_eq!(find_fixture(dir.path(), "/x"), Some((200, b"200".to_vec())));
    }

    #[test]
    fn refuses_paths_that_leave_the_api_dir() {
        let dir = tempfile::tempdir().unwrap();
        let api = dir.path().join("api");
        fs::create_dir(&api).unwrap();
        fs::write(dir.path().join("secret.json"), "{}").unwrap();
        for path in ["/../secret", "/./../secret", "//secret", "/", ""] {
            assert_eq!(find_fixture(&api, path), None, "{path}");
        }
    }
}
