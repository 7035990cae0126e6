//! The test knobs of [`FakeApiServer`]: changing the store from a test
//! thread (each change is a watch event with a new resourceVersion),
//! cutting watch streams, compaction, bookmarks, extra identities.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixtures_dir;
use crate::identity::{self, Identity};
use crate::rbac::Rule;
use crate::server::FakeApiServer;
use crate::service_account::ServiceAccountDir;
use crate::watch_list::WatchList;

impl FakeApiServer {
    /// Creates or replaces the object at the object URL `path` (e.g.
    /// `/apis/batch/v1/namespaces/test/jobs/migrate`) with `object`, as a
    /// controller would: name and namespace from the path, uid and
    /// creationTimestamp (the fake's now) on create, generation bumped when
    /// the spec changes, the next resourceVersion. Watches see ADDED or
    /// MODIFIED. Returns the stored object. Panics on an unknown resource.
    pub fn put_object(&self, path: &str, object: Value) -> Value {
        self.api()
            .put(path, object)
            .unwrap_or_else(|err| panic!("put_object: {err}"))
    }

    /// Applies a JSON merge patch (RFC 7386) to the object at `path`, e.g.
    /// `json!({"status": {"numberReady": 20}})`. Watches see MODIFIED.
    /// Returns the stored object. Panics when there is no such object.
    pub fn update(&self, path: &str, merge_patch: Value) -> Value {
        self.api()
            .merge(path, &merge_patch)
            .unwrap_or_else(|err| panic!("update: {err}"))
    }

    /// Deletes the object at `path` at once (watches see DELETED); whether
    /// it existed.
    pub fn delete_object(&self, path: &str) -> bool {
        self.api()
            .remove(path)
            .unwrap_or_else(|err| panic!("delete_object: {err}"))
    }

    /// Makes deleting the object at `path` take `delay`: a DELETE marks it
    /// (deletionTimestamp, MODIFIED) and answers at once, and the object
    /// is gone (DELETED) `delay` later, as a pod the kubelet finishes.
    /// `Duration::ZERO` goes back to immediate deletion.
    pub fn delay_deletion(&self, path: &str, delay: Duration) {
        let (_, _, key) = self
            .api()
            .locate(path)
            .unwrap_or_else(|err| panic!("delay_deletion: {err}"));
        self.api()
            .set_deletion_delay(key, (!delay.is_zero()).then_some(delay));
    }

    /// Serves `SelfSubjectReview` only as `authentication.k8s.io/v1beta1`
    /// (v1 answers 404 NotFound), as a 1.27 server: for testing the
    /// fallback `kubectl auth whoami` does.
    pub fn self_subject_review_v1beta1_only(&self) {
        self.api().self_review_v1beta1_only();
    }

    /// How watches asking for `sendInitialEvents=true` (WatchList) are
    /// answered from now on: served ([`WatchList::Enabled`], the default),
    /// refused with the 422 of a 1.33 server ([`WatchList::Disabled`]) or a
    /// 400 ([`WatchList::BadRequest`]), or served as if the parameter were
    /// unknown ([`WatchList::Ignored`]). Watches already open are not
    /// affected.
    pub fn set_watch_list(&self, mode: WatchList) {
        self.api().set_watch_list(mode);
    }

    /// Cuts every open watch stream abruptly: the chunked response ends
    /// without its terminating chunk, so the client sees an error or EOF
    /// mid-stream (events already sent stay sent).
    pub fn drop_watches(&self) {
        self.api().store().drop_watchers(false);
    }

    /// Like [`drop_watches`](Self::drop_watches), but first writes half an
    /// event line (`{"type":"MODIFIED","object":{"kind":"Pod","apiVer`).
    pub fn drop_watches_mid_event(&self) {
        self.api().store().drop_watchers(true);
    }

    /// Compacts the history up to resourceVersion `rv`: a watch from an
    /// older resourceVersion then gets 200 and one ERROR event with the
    /// real 410 `Expired` Status (`too old resource version: X (Y)`), and a
    /// continue token from before it gets 410 too.
    pub fn compact(&self, rv: u64) {
        self.api().store().compact(rv);
    }

    /// Compacts the history up to the current resourceVersion.
    pub fn compact_now(&self) {
        let mut store = self.api().store();
        let rv = store.rv();
        store.compact(rv);
    }

    /// Sends a BOOKMARK at the current resourceVersion to the watches that
    /// asked for them (`allowWatchBookmarks=true`).
    pub fn send_bookmarks(&self) {
        self.api().store().send_bookmarks();
    }

    /// How many watch streams are open now.
    pub fn watch_count(&self) -> usize {
        self.api().store().watcher_count()
    }

    /// Waits until at least `n` watch streams are open (a client is
    /// watching, so a change made now reaches it); `false` on timeout.
    pub fn wait_for_watches(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.watch_count() >= n {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// A second identity: a private service-account directory (kubelet
    /// layout: `token`, `ca.crt`, `namespace` = `test`) whose token
    /// authenticates as `system:serviceaccount:test:NAME`, allowed only
    /// what `rules` allow (see [`Rule`]). The ServiceAccount object is
    /// added to namespace `test` too. Returns the directory, for
    /// `KAPI_SERVICEACCOUNT_DIR`; [`env_for`](Self::env_for) gives the
    /// whole in-cluster environment.
    pub fn add_service_account(&self, name: &str, rules: &[Rule]) -> PathBuf {
        let uid = format!(
            "5f0c2a4e-0000-4000-8000-{:012x}",
            fnv(name) & 0xffff_ffff_ffff
        );
        let who = Identity::service_account(name, &uid);
        let dir = ServiceAccountDir::copy_of(&fixtures_dir().join("serviceaccount"))
            .expect("failed to copy fixtures/serviceaccount to a temp dir");
        dir.rotate_token(&identity::token_for(&who))
            .expect("failed to write the service account's token");
        self.auth().add(dir.token_file(), who);
        self.api().rbac.set(name, rules.to_vec());
        let path = format!("/api/v1/namespaces/test/serviceaccounts/{name}");
        if self.object(&path).is_none() {
            self.put_object(&path, serde_json::json!({"metadata": {}}));
        }
        let sa_path = dir.path().to_path_buf();
        self.keep_service_account(dir);
        sa_path
    }

    /// Replaces the RBAC rules of service account `name` (`kapi` is the
    /// default identity: everything except secrets in kube-system and
    /// deleting nodes).
    pub fn set_rules(&self, name: &str, rules: &[Rule]) {
        self.api().rbac.set(name, rules.to_vec());
    }

    /// The in-cluster environment of this server with `sa_dir` (from
    /// [`add_service_account`](Self::add_service_account)) as the
    /// service-account directory.
    pub fn env_for(&self, sa_dir: &std::path::Path) -> Vec<(String, String)> {
        let mut env = self.env();
        for (name, value) in env.iter_mut() {
            if name == crate::SERVICEACCOUNT_DIR_ENV {
                *value = sa_dir.to_string_lossy().into_owned();
            }
        }
        env
    }
}

/// FNV-1a, for deterministic UIDs from names.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
