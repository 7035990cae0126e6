//! A private, writable copy of `fixtures/serviceaccount` in the kubelet's
//! projected-volume layout, and token rotation the way the kubelet does it.

use std::fs;
use std::io;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tempfile::TempDir;

/// The symlink to the current timestamped data directory.
const DATA_LINK: &str = "..data";

/// A temp copy of a service-account directory; removed on drop.
pub(crate) struct ServiceAccountDir {
    dir: TempDir,
    /// How many times the token was rotated; names the next data directory.
    rotations: Mutex<u32>,
}

impl ServiceAccountDir {
    /// Copies `source` (files, folders and symlinks as symlinks).
    pub(crate) fn copy_of(source: &Path) -> io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("kapi-fake-serviceaccount-")
            .tempdir()?;
        copy_tree(source, dir.path())?;
        Ok(ServiceAccountDir {
            dir,
            rotations: Mutex::new(0),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn token_file(&self) -> PathBuf {
        self.path().join("token")
    }

    /// Writes `token` as the kubelet's AtomicWriter does: a new timestamped
    /// directory with every file, a temporary `..data_tmp` symlink to it
    /// renamed over `..data` (one atomic step for all files), then the old
    /// directory removed.
    pub(crate) fn rotate_token(&self, token: &str) -> io::Result<()> {
        self.rotate_file("token", token.as_bytes())
    }

    /// Replaces one projected file (`token`, `ca.crt`) with `content`, the
    /// way [`rotate_token`](Self::rotate_token) describes.
    pub(crate) fn rotate_file(&self, name: &str, content: &[u8]) -> io::Result<()> {
        let mut rotations = self
            .rotations
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *rotations += 1;
        let root = self.path();
        let old = fs::read_link(root.join(DATA_LINK))?;
        let new = format!("..2025_01_01_00_00_00.{:09}", *rotations);
        fs::create_dir(root.join(&new))?;
        for entry in fs::read_dir(root.join(&old))? {
            let entry = entry?;
            if entry.file_name() != name {
                fs::copy(entry.path(), root.join(&new).join(entry.file_name()))?;
            }
        }
        fs::write(root.join(&new).join(name), content)?;
        let tmp = root.join("..data_tmp");
        symlink(&new, &tmp)?;
        fs::rename(&tmp, root.join(DATA_LINK))?;
        fs::remove_dir_all(root.join(old))
    }
}

/// Copies the tree at `from` into the existing folder `to`, recreating
/// symlinks with their original (relative) targets.
fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            symlink(fs::read_link(&source)?, &target)?;
        } else if kind.is_dir() {
            fs::create_dir(&target)?;
            copy_tree(&source, &target)?;
        } else {
            fs::copy(&source, &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_copy() -> ServiceAccountDir {
        ServiceAccountDir::copy_of(&crate::fixtures_dir().join("serviceaccount")).unwrap()
    }

    #[test]
    fn copy_keeps_the_kubelet_layout() {
        let sa = fixture_copy();
        let link = |name: &str| fs::read_link(sa.path().join(name)).unwrap();
        assert_eq!(link("token"), Path::new("..data/token"));
        assert_eq!(link("ca.crt"), Path::new("..data/ca.crt"));
        assert_eq!(link("namespace"), Path::new("..data/namespace"));
        assert_eq!(
            link(DATA_LINK),
            Path::new("..2025_01_01_00_00_00.000000000")
        );
        let namespace = fs::read_to_string(sa.path().join("namespace")).unwrap();
        assert_eq!(namespace, "test");
    }

    #[test]
    fn rotation_swaps_data_and_removes_the_old_directory() {
        let sa = fixture_copy();
        let ca = fs::read(sa.path().join("ca.crt")).unwrap();
        sa.rotate_token("second").unwrap();
        sa.rotate_token("third").unwrap();
        assert_eq!(fs::read_to_string(sa.token_file()).unwrap(), "third");
        assert_eq!(fs::read(sa.path().join("ca.crt")).unwrap(), ca);
        assert_eq!(
            fs::read_link(sa.path().join(DATA_LINK)).unwrap(),
            Path::new("..2025_01_01_00_00_00.000000002")
        );
        let mut names: Vec<String> = fs::read_dir(sa.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "..2025_01_01_00_00_00.000000002",
                "..data",
                "ca.crt",
                "namespace",
                "token"
            ]
        );
    }
}
