//! What one wait target looks like now: the objects that match it, each
//! checked against every `--for` and `--fail-on`, and whether the wait is
//! over.

use std::collections::{BTreeMap, BTreeSet};

use kapi::ApiResource;
use serde_json::Value;

use super::condition::{Check, Condition};
use super::lifecycle;

/// What the runner needs of a wait's state, whatever it tracks: objects
/// against conditions ([`Tracker`]) or a Service's ready endpoints
/// ([`super::endpoints::EndpointsTracker`]).
pub trait Track {
    /// A (re)list starts.
    fn begin(&mut self);
    /// An object exists (or changed).
    ///
    /// # Errors
    ///
    /// A condition that cannot be checked on it.
    fn apply(&mut self, object: &Value) -> Result<(), String>;
    /// The (re)list is complete.
    fn commit(&mut self);
    /// An object was deleted.
    fn remove(&mut self, object: &Value);
    /// Where the wait stands now.
    fn outcome(&mut self) -> Outcome;
    /// The message for a wait that ran out of time (`checked_once`:
    /// `--timeout=0`).
    fn timeout_message(&self, checked_once: bool) -> String;
}

/// One thing to wait on: a named object, or every object a selector
/// matches.
#[derive(Debug, Clone)]
pub struct Target {
    /// The resource type.
    pub resource: ApiResource,
    /// The named object, if any.
    pub name: Option<String>,
    /// `-l` (or `--all`: the empty selector).
    pub label_selector: Option<String>,
    /// `--field-selector`.
    pub field_selector: Option<String>,
    /// `-A`: across all namespaces.
    pub all_namespaces: bool,
    /// The group's `-n` (`None`: the client's namespace).
    pub namespace: Option<String>,
}

impl Target {
    /// `daemonsets/gateway`, or `pods` for a selector: kubectl's name in
    /// wait errors (the plural, without the group).
    pub fn error_name(&self) -> String {
        match &self.name {
            Some(name) => format!("{}/{name}", self.resource.plural),
            None => self.resource.plural.clone(),
        }
    }

    /// `daemonset.apps/gateway`, or `pods (app=gateway)`: the name in the
    /// progress line.
    fn progress_name(&self) -> String {
        match &self.name {
            Some(name) => format!("{}/{name}", self.resource.kind_group()),
            None => {
                let mut selectors: Vec<&str> = Vec::new();
                if let Some(l) = self.label_selector.as_deref().filter(|s| !s.is_empty()) {
                    selectors.push(l);
                }
                if let Some(f) = self.field_selector.as_deref().filter(|s| !s.is_empty()) {
                    selectors.push(f);
                }
                if selectors.is_empty() {
                    format!("all {}", self.resource.group_resource())
                } else {
                    format!(
                        "{} ({})",
                        self.resource.group_resource(),
                        selectors.join(", ")
                    )
                }
            }
        }
    }
}

/// The `--for` and `--fail-on` conditions and how to combine them.
#[derive(Debug)]
pub struct Conditions {
    /// `--for`, in order.
    pub wanted: Vec<Condition>,
    /// `--fail-on`, in order.
    pub fail_on: Vec<Condition>,
    /// `--for-any`: one `--for` holding is enough.
    pub any: bool,
    /// `--fail-fast` (the default): end as soon as the wait can no longer
    /// succeed (a finished Job or Pod, a deleted object).
    pub fail_fast: bool,
}

/// Where a wait stands after the latest change.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not there yet: what is observed, for the progress line.
    Waiting(String),
    /// Done: the lines to print on stdout.
    Met(Vec<String>),
    /// A `--fail-on` condition holds: the message.
    Failed(String),
}

/// (namespace, name).
type Key = (String, String);

/// The checks of one object.
#[derive(Debug)]
struct Seen {
    wanted: Vec<Check>,
    fail_on: Vec<Check>,
    /// Why its status will not change again (a finished Job or Pod).
    finished: Option<String>,
    /// States that may recover, for the progress line.
    troubles: Vec<String>,
}

/// The state of one [`Target`] as events arrive.
///
/// In the default (all) mode the `--for` conditions are waited for in
/// phases: `create` first (once an object exists it is latched), then every
/// other condition at the same time on every matching object, then, if
/// `delete` is among them, the deletion (the conditions before it are
/// latched once they held). With `--for-any`, each condition is checked on
/// its own and the first that holds ends the wait.
#[derive(Debug)]
pub struct Tracker<'a> {
    target: &'a Target,
    conditions: &'a Conditions,
    objects: BTreeMap<Key, Seen>,
    /// Objects of a (re)list being read; they replace `objects` at commit.
    staged: Option<BTreeMap<Key, Seen>>,
    /// A complete view has been read at least once.
    complete: bool,
    /// Every object seen so far (the lines a `delete` wait prints).
    ever: BTreeSet<Key>,
    /// Objects deleted since the last outcome (for `--fail-on=delete`).
    deleted: Vec<Key>,
    /// The create phase is over.
    created: bool,
    /// The condition phase is over (only latched when `delete` follows).
    reached: bool,
}

impl<'a> Tracker<'a> {
    /// A tracker with nothing seen yet.
    pub fn new(target: &'a Target, conditions: &'a Conditions) -> Tracker<'a> {
        Tracker {
            target,
            conditions,
            objects: BTreeMap::new(),
            staged: None,
            complete: false,
            ever: BTreeSet::new(),
            deleted: Vec::new(),
            created: false,
            reached: false,
        }
    }

    /// A (re)list starts: the objects applied until [`commit`](Self::commit)
    /// are the whole set.
    pub fn begin(&mut self) {
        self.staged = Some(BTreeMap::new());
    }

    /// An object exists (or changed).
    ///
    /// # Errors
    ///
    /// A condition that cannot be checked on it (kubectl's JSONPath
    /// errors).
    pub fn apply(&mut self, object: &Value) -> Result<(), String> {
        let key = key_of(object);
        let seen = Seen {
            wanted: check_all(&self.conditions.wanted, object)?,
            fail_on: check_all(&self.conditions.fail_on, object)?,
            finished: lifecycle::finished(&self.target.resource, object),
            troubles: lifecycle::troubles(object),
        };
        self.ever.insert(key.clone());
        match &mut self.staged {
            Some(staged) => staged.insert(key, seen),
            None => self.objects.insert(key, seen),
        };
        Ok(())
    }

    /// The (re)list is complete: objects not applied since
    /// [`begin`](Self::begin) are gone.
    pub fn commit(&mut self) {
        if let Some(staged) = self.staged.take() {
            let gone = self.objects.keys().filter(|k| !staged.contains_key(*k));
            self.deleted.extend(gone.cloned());
            self.objects = staged;
        }
        self.complete = true;
    }

    /// An object was deleted.
    pub fn remove(&mut self, object: &Value) {
        let key = key_of(object);
        self.ever.insert(key.clone());
        self.objects.remove(&key);
        self.deleted.push(key);
    }

    /// Where the wait stands now.
    pub fn outcome(&mut self) -> Outcome {
        if !self.complete || self.staged.is_some() {
            return Outcome::Waiting(format!("waiting for {}", self.target.progress_name()));
        }
        let deleted = std::mem::take(&mut self.deleted);
        if let Some(message) = self.failed(&deleted) {
            return Outcome::Failed(message);
        }
        let outcome = if self.conditions.any {
            self.any_outcome()
        } else {
            self.all_outcome()
        };
        if let (Outcome::Waiting(_), true) = (&outcome, self.conditions.fail_fast) {
            if let Some(message) = self.doomed() {
                return Outcome::Failed(message);
            }
        }
        outcome
    }

    /// The message for a wait that ran out of time, kubectl's
    /// `timed out waiting for the condition on daemonsets/gateway`, or
    /// (`timeout` zero) `condition not met for daemonsets/gateway`.
    pub fn timeout_message(&self, checked_once: bool) -> String {
        let head = if checked_once {
            "condition not met for"
        } else {
            "timed out waiting for the condition on"
        };
        if self.target.name.is_some() || self.objects.is_empty() {
            let mut message = format!("{head} {}", self.target.error_name());
            if self.target.name.is_none() {
                message.push_str(": no matching resources found");
            }
            if let Some(seen) = self.objects.values().next() {
                if !seen.troubles.is_empty() {
                    message.push_str(": ");
                    message.push_str(&seen.troubles.join("; "));
                }
            }
            return message;
        }
        let plural = &self.target.resource.plural;
        let unmet: Vec<(&Key, &Seen)> = self
            .objects
            .iter()
            .filter(|(_, seen)| !self.object_met(seen, &|_| true))
            .collect();
        if unmet.is_empty() {
            return format!("{head} {}", self.target.error_name());
        }
        let names: Vec<String> = unmet
            .iter()
            .map(|((_, name), _)| format!("{plural}/{name}"))
            .collect();
        let mut message = format!("{head} {}", names.join(", "));
        for ((_, name), seen) in &unmet {
            if !seen.troubles.is_empty() {
                message.push_str(&format!("; {plural}/{name}: {}", seen.troubles.join("; ")));
            }
        }
        message
    }

    /// Why the wait can no longer succeed, if it cannot: the named object
    /// was deleted (unless `delete` is waited for), or an object whose
    /// status will not change again (a finished Job or Pod) does not meet
    /// a condition about its status.
    fn doomed(&self) -> Option<String> {
        let wanted = &self.conditions.wanted;
        let plural = &self.target.resource.plural;
        let waits_for_delete = wanted.iter().any(|c| matches!(c, Condition::Delete));
        if let (Some(name), false) = (&self.target.name, waits_for_delete) {
            if self.objects.is_empty() && !self.ever.is_empty() {
                let waited: Vec<&Condition> = wanted
                    .iter()
                    .filter(|c| !matches!(c, Condition::Create))
                    .collect();
                return Some(format!(
                    "{plural}/{name} can no longer meet {}: it was deleted",
                    self.describe(&waited)
                ));
            }
        }
        if self.reached {
            return None;
        }
        for ((_, name), seen) in &self.objects {
            let Some(why) = &seen.finished else { continue };
            let pairs = || wanted.iter().zip(&seen.wanted);
            let frozen_unmet: Vec<&Condition> = pairs()
                .filter(|(c, check)| c.frozen_when_finished() && !check.holds)
                .map(|(c, _)| c)
                .collect();
            let doomed = if self.conditions.any {
                pairs().all(|(c, check)| c.frozen_when_finished() && !check.holds)
            } else {
                !frozen_unmet.is_empty()
            };
            if doomed {
                return Some(format!(
                    "{plural}/{name} can no longer meet {}: {why}",
                    self.describe(&frozen_unmet)
                ));
            }
        }
        None
    }

    /// Conditions as written, joined with `and` (or `or` with
    /// `--for-any`).
    fn describe(&self, conditions: &[&Condition]) -> String {
        let joiner = if self.conditions.any { " or " } else { " and " };
        conditions
            .iter()
            .map(|c| c.describe())
            .collect::<Vec<_>>()
            .join(joiner)
    }

    fn failed(&self, deleted: &[Key]) -> Option<String> {
        let plural = &self.target.resource.plural;
        for ((_, name), seen) in &self.objects {
            for (condition, check) in self.conditions.fail_on.iter().zip(&seen.fail_on) {
                if check.holds {
                    return Some(format!(
                        "fail-on {} met on {plural}/{name}: {}",
                        condition.describe(),
                        check.observed
                    ));
                }
            }
        }
        if self
            .conditions
            .fail_on
            .iter()
            .any(|c| matches!(c, Condition::Delete))
        {
            if let Some((_, name)) = deleted.first() {
                return Some(format!("fail-on delete met on {plural}/{name}: deleted"));
            }
        }
        None
    }

    /// `--for-any`: `delete` holds when nothing matches, `create` when
    /// something does; otherwise every object must meet at least one of
    /// the conditions (a Job Complete, another Failed), and each line says
    /// which.
    fn any_outcome(&self) -> Outcome {
        let wanted = &self.conditions.wanted;
        let delete = wanted.iter().find(|c| matches!(c, Condition::Delete));
        let create = wanted.iter().find(|c| matches!(c, Condition::Create));
        if self.objects.is_empty() {
            if let Some(delete) = delete {
                return Outcome::Met(self.deleted_lines(&format!(" ({})", delete.describe())));
            }
            return Outcome::Waiting(self.progress(|_| true));
        }
        if let Some(create) = create {
            return Outcome::Met(self.current_lines(&format!(" ({})", create.describe())));
        }
        let kind = self.target.resource.kind_group();
        let mut lines = Vec::with_capacity(self.objects.len());
        for ((_, name), seen) in &self.objects {
            let held = wanted
                .iter()
                .zip(&seen.wanted)
                .find(|(c, check)| check.holds && !matches!(c, Condition::Delete));
            match held {
                Some((condition, _)) => lines.push(format!(
                    "{kind}/{name} condition met ({})",
                    condition.describe()
                )),
                None => return Outcome::Waiting(self.progress(|_| true)),
            }
        }
        Outcome::Met(lines)
    }

    fn all_outcome(&mut self) -> Outcome {
        let wanted = &self.conditions.wanted;
        let has_delete = wanted.iter().any(|c| matches!(c, Condition::Delete));
        let has_create = wanted.iter().any(|c| matches!(c, Condition::Create));
        let others = wanted
            .iter()
            .any(|c| !matches!(c, Condition::Delete | Condition::Create));
        if has_create && !self.created {
            if self.objects.is_empty() {
                return Outcome::Waiting(format!(
                    "waiting for {}: not found yet",
                    self.target.progress_name()
                ));
            }
            self.created = true;
        }
        if others && !self.reached {
            let all_hold = !self.objects.is_empty()
                && self.objects.values().all(|seen| {
                    wanted
                        .iter()
                        .zip(&seen.wanted)
                        .all(|(c, check)| matches!(c, Condition::Delete) || check.holds)
                });
            if !all_hold {
                return Outcome::Waiting(self.progress(|c| !matches!(c, Condition::Delete)));
            }
            if !has_delete {
                return Outcome::Met(self.current_lines(""));
            }
            self.reached = true;
        }
        if has_delete {
            return if self.objects.is_empty() {
                Outcome::Met(self.deleted_lines(""))
            } else {
                Outcome::Waiting(self.progress(|c| matches!(c, Condition::Delete)))
            };
        }
        if self.objects.is_empty() {
            return Outcome::Waiting(self.progress(|_| true));
        }
        Outcome::Met(self.current_lines(""))
    }

    /// `daemonset.apps/gateway condition met` for each current object.
    fn current_lines(&self, which: &str) -> Vec<String> {
        let kind = self.target.resource.kind_group();
        self.objects
            .keys()
            .map(|(_, name)| format!("{kind}/{name} condition met{which}"))
            .collect()
    }

    /// The lines of a `delete` wait: each object seen (or the named one).
    fn deleted_lines(&self, which: &str) -> Vec<String> {
        let kind = self.target.resource.kind_group();
        let mut names: BTreeSet<&str> = self.ever.iter().map(|(_, n)| n.as_str()).collect();
        if let Some(name) = &self.target.name {
            names.insert(name);
        }
        names
            .into_iter()
            .map(|name| format!("{kind}/{name} condition met{which}"))
            .collect()
    }

    /// Whether one object is where the wait wants it, for the conditions
    /// `relevant` keeps: all of them, or with `--for-any` one of them.
    fn object_met(&self, seen: &Seen, relevant: &dyn Fn(&Condition) -> bool) -> bool {
        let mut checks = self
            .conditions
            .wanted
            .iter()
            .zip(&seen.wanted)
            .filter(|(c, _)| relevant(c))
            .map(|(_, check)| check.holds);
        if self.conditions.any {
            checks.any(|holds| holds)
        } else {
            checks.all(|holds| holds)
        }
    }

    /// The progress line: what is observed for the conditions `relevant`
    /// keeps, on the named object or the first one not there yet.
    fn progress(&self, relevant: impl Fn(&Condition) -> bool) -> String {
        let head = format!("waiting for {}", self.target.progress_name());
        let unmet_text = |seen: &Seen| -> String {
            let parts: Vec<&str> = self
                .conditions
                .wanted
                .iter()
                .zip(&seen.wanted)
                .filter(|(c, check)| relevant(c) && !check.holds)
                .map(|(_, check)| check.observed.as_str())
                .chain(seen.troubles.iter().map(String::as_str))
                .collect();
            parts.join("; ")
        };
        if self.target.name.is_some() {
            return match self.objects.values().next() {
                None => format!("{head}: not found"),
                Some(seen) => format!("{head}: {}", unmet_text(seen)),
            };
        }
        if self.objects.is_empty() {
            return format!("{head}: no matching objects");
        }
        let total = self.objects.len();
        let unmet: Vec<(&Key, &Seen)> = self
            .objects
            .iter()
            .filter(|(_, seen)| !self.object_met(seen, &relevant))
            .collect();
        match unmet.first() {
            None => format!("{head}: {total} of {total} met"),
            Some(((_, name), seen)) => format!(
                "{head}: {} of {total} met; {}/{name}: {}",
                total - unmet.len(),
                self.target.resource.kind_group(),
                unmet_text(seen)
            ),
        }
    }
}

impl Track for Tracker<'_> {
    fn begin(&mut self) {
        Tracker::begin(self)
    }

    fn apply(&mut self, object: &Value) -> Result<(), String> {
        Tracker::apply(self, object)
    }

    fn commit(&mut self) {
        Tracker::commit(self)
    }

    fn remove(&mut self, object: &Value) {
        Tracker::remove(self, object)
    }

    fn outcome(&mut self) -> Outcome {
        Tracker::outcome(self)
    }

    fn timeout_message(&self, checked_once: bool) -> String {
        Tracker::timeout_message(self, checked_once)
    }
}

fn check_all(conditions: &[Condition], object: &Value) -> Result<Vec<Check>, String> {
    conditions.iter().map(|c| c.check(Some(object))).collect()
}

fn key_of(object: &Value) -> Key {
    let meta = &object["metadata"];
    (
        meta["namespace"].as_str().unwrap_or_default().to_string(),
        meta["name"].as_str().unwrap_or_default().to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn target(name: Option<&str>) -> Target {
        Target {
            resource: kapi::builtin("jobs").unwrap(),
            name: name.map(str::to_string),
            label_selector: name.is_none().then(|| "app=batch".to_string()),
            field_selector: None,
            all_namespaces: false,
            namespace: None,
        }
    }

    fn conditions(wanted: &[&str], fail_on: &[&str], any: bool) -> Conditions {
        Conditions {
            wanted: wanted
                .iter()
                .map(|c| Condition::parse(c).unwrap())
                .collect(),
            fail_on: fail_on
                .iter()
                .map(|c| Condition::parse(c).unwrap())
                .collect(),
            any,
            fail_fast: true,
        }
    }

    fn job(name: &str, complete: &str, failed: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "test"}, "status": {"conditions": [
            {"type": "Complete", "status": complete}, {"type": "Failed", "status": failed},
        ]}})
    }

    fn listed<'a>(t: &'a Target, c: &'a Conditions, objects: &[Value]) -> Tracker<'a> {
        let mut tracker = Tracker::new(t, c);
        tracker.begin();
        for o in objects {
            tracker.apply(o).unwrap();
        }
        tracker.commit();
        tracker
    }

    #[test]
    fn a_named_object_that_does_not_exist_yet_is_waited_for() {
        let t = target(Some("migrate"));
        let c = conditions(&["condition=Complete"], &[], false);
        let mut tracker = listed(&t, &c, &[]);
        assert_eq!(
            tracker.outcome(),
            Outcome::Waiting("waiting for job.batch/migrate: not found".into())
        );
        tracker.apply(&job("migrate", "False", "False")).unwrap();
        assert_eq!(
            tracker.outcome(),
            Outcome::Waiting(
                "waiting for job.batch/migrate: condition Complete=False, want true".into()
            )
        );
        tracker.apply(&job("migrate", "True", "False")).unwrap();
        assert_eq!(
            tracker.outcome(),
            Outcome::Met(vec!["job.batch/migrate condition met".into()])
        );
    }

    #[test]
    fn fail_on_wins_as_soon_as_it_holds() {
        let t = target(Some("migrate"));
        let c = conditions(&["condition=Complete"], &["condition=Failed"], false);
        let mut tracker = listed(&t, &c, &[job("migrate", "False", "True")]);
        assert_eq!(
            tracker.outcome(),
            Outcome::Failed(
                "fail-on condition=Failed met on jobs/migrate: condition Failed=True".into()
            )
        );
    }

    #[test]
    fn for_any_says_which_condition_held() {
        let t = target(Some("migrate"));
        let c = conditions(&["condition=Complete", "condition=Failed"], &[], true);
        let mut tracker = listed(&t, &c, &[job("migrate", "False", "True")]);
        assert_eq!(
            tracker.outcome(),
            Outcome::Met(vec![
                "job.batch/migrate condition met (condition=Failed)".into()
            ])
        );
    }

    #[test]
    fn with_a_selector_every_object_must_hold_and_none_keeps_waiting() {
        let t = target(None);
        let c = conditions(&["condition=Complete"], &[], false);
        let mut tracker = listed(&t, &c, &[]);
        assert_eq!(
            tracker.outcome(),
            Outcome::Waiting("waiting for jobs.batch (app=batch): no matching objects".into())
        );
        tracker.apply(&job("a", "True", "False")).unwrap();
        tracker.apply(&job("b", "False", "False")).unwrap();
        assert_eq!(
            tracker.outcome(),
            Outcome::Waiting(
                "waiting for jobs.batch (app=batch): 1 of 2 met; job.batch/b: condition Complete=False, want true"
                    .into()
            )
        );
        tracker.remove(&job("b", "False", "False"));
        assert_eq!(
            tracker.outcome(),
            Outcome::Met(vec!["job.batch/a condition met".into()])
        );
    }

    #[test]
    fn delete_waits_until_gone_and_prints_what_was_there() {
        let t = target(Some("migrate"));
        let c = conditions(&["delete"], &[], false);
        let mut tracker = listed(&t, &c, &[job("migrate", "True", "False")]);
        assert_eq!(
            tracker.outcome(),
            Outcome::Waiting("waiting for job.batch/migrate: exists, want it deleted".into())
        );
        tracker.begin();
        tracker.commit();
        assert_eq!(
            tracker.outcome(),
            Outcome::Met(vec!["job.batch/migrate condition met".into()])
        );
    }

    #[test]
    fn create_then_delete_waits_for_both_in_turn() {
        let t = target(Some("migrate"));
        let c = conditions(&["delete", "create"], &[], false);
        let mut tracker = listed(&t, &c, &[]);
        assert_eq!(
            tracker.outcome(),
            Outcome::Waiting("waiting for job.batch/migrate: not found yet".into())
        );
        tracker.apply(&job("migrate", "False", "False")).unwrap();
        assert!(matches!(tracker.outcome(), Outcome::Waiting(_)));
        tracker.remove(&job("migrate", "False", "False"));
        assert!(matches!(tracker.outcome(), Outcome::Met(_)));
    }

    #[test]
    fn fail_on_delete_holds_when_a_watched_object_goes() {
        let t = target(Some("migrate"));
        let c = conditions(&["condition=Complete"], &["delete"], false);
        let mut tracker = listed(&t, &c, &[job("migrate", "False", "False")]);
        assert!(matches!(tracker.outcome(), Outcome::Waiting(_)));
        tracker.remove(&job("migrate", "False", "False"));
        assert_eq!(
            tracker.outcome(),
            Outcome::Failed("fail-on delete met on jobs/migrate: deleted".into())
        );
    }

    #[test]
    fn for_any_needs_one_condition_per_object_and_says_which_for_each() {
        let t = target(None);
        let c = conditions(&["condition=Complete", "condition=Failed"], &[], true);
        let mut tracker = listed(
            &t,
            &c,
            &[
                job("a", "False", "True"),
                job("b", "True", "False"),
                job("c", "False", "False"),
            ],
        );
        assert_eq!(
            tracker.outcome(),
            Outcome::Waiting(
                "waiting for jobs.batch (app=batch): 2 of 3 met; job.batch/c: condition Complete=False, want true; condition Failed=False, want true"
                    .into()
            )
        );
        assert_eq!(
            tracker.timeout_message(false),
            "timed out waiting for the condition on jobs/c"
        );
        tracker.apply(&job("c", "True", "False")).unwrap();
        assert_eq!(
            tracker.outcome(),
            Outcome::Met(vec![
                "job.batch/a condition met (condition=Failed)".into(),
                "job.batch/b condition met (condition=Complete)".into(),
                "job.batch/c condition met (condition=Complete)".into(),
            ])
        );
    }

    fn failed_job(name: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "test"}, "status": {"conditions": [
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"},
        ]}})
    }

    #[test]
    fn a_finished_job_dooms_a_condition_wait_unless_fail_fast_is_off() {
        let t = target(Some("migrate"));
        let c = conditions(&["condition=Complete"], &[], false);
        let mut tracker = listed(&t, &c, &[failed_job("migrate")]);
        assert_eq!(
            tracker.outcome(),
            Outcome::Failed(
                "jobs/migrate can no longer meet condition=Complete: the Job has failed (BackoffLimitExceeded)"
                    .into()
            )
        );
        let mut off = conditions(&["condition=Complete"], &[], false);
        off.fail_fast = false;
        let mut tracker = listed(&t, &off, &[failed_job("migrate")]);
        assert!(matches!(tracker.outcome(), Outcome::Waiting(_)));
    }

    #[test]
    fn with_for_any_every_condition_must_be_out_of_reach() {
        let t = target(Some("migrate"));
        // Complete or Failed: the failed Job meets one of them.
        let c = conditions(&["condition=Complete", "condition=Failed"], &[], true);
        let mut tracker = listed(&t, &c, &[failed_job("migrate")]);
        assert!(matches!(tracker.outcome(), Outcome::Met(_)));
        // Complete or deleted (a TTL may still delete it): not doomed.
        let c = conditions(&["condition=Complete", "delete"], &[], true);
        let mut tracker = listed(&t, &c, &[failed_job("migrate")]);
        assert!(matches!(tracker.outcome(), Outcome::Waiting(_)));
        // A JSONPath is not about the status conditions: not doomed either.
        let c = conditions(&["jsonpath={.metadata.labels.x}=y"], &[], false);
        let mut tracker = listed(&t, &c, &[failed_job("migrate")]);
        assert!(matches!(tracker.outcome(), Outcome::Waiting(_)));
    }

    #[test]
    fn a_selector_wait_is_doomed_by_any_finished_object() {
        let t = target(None);
        let c = conditions(&["condition=Complete"], &[], false);
        let mut tracker = listed(&t, &c, &[job("a", "True", "False"), failed_job("b")]);
        assert_eq!(
            tracker.outcome(),
            Outcome::Failed(
                "jobs/b can no longer meet condition=Complete: the Job has failed (BackoffLimitExceeded)"
                    .into()
            )
        );
        // Objects leaving a selector are not a reason to stop.
        let mut tracker = listed(&t, &c, &[job("a", "False", "False")]);
        tracker.remove(&job("a", "False", "False"));
        assert!(matches!(tracker.outcome(), Outcome::Waiting(_)));
    }

    #[test]
    fn a_deleted_named_object_dooms_the_wait_unless_delete_is_wanted() {
        let t = target(Some("migrate"));
        let c = conditions(&["create", "condition=Complete"], &[], false);
        let mut tracker = listed(&t, &c, &[job("migrate", "False", "False")]);
        assert!(matches!(tracker.outcome(), Outcome::Waiting(_)));
        tracker.remove(&job("migrate", "False", "False"));
        assert_eq!(
            tracker.outcome(),
            Outcome::Failed(
                "jobs/migrate can no longer meet condition=Complete: it was deleted".into()
            )
        );
        // Never seen: still waited for.
        let mut tracker = listed(&t, &c, &[]);
        assert!(matches!(tracker.outcome(), Outcome::Waiting(_)));
        // Complete, then deleted: the delete phase is what is waited for.
        let c = conditions(&["condition=Complete", "delete"], &[], false);
        let mut tracker = listed(&t, &c, &[job("migrate", "True", "False")]);
        assert!(matches!(tracker.outcome(), Outcome::Waiting(_)));
        tracker.remove(&job("migrate", "True", "False"));
        assert!(matches!(tracker.outcome(), Outcome::Met(_)));
    }

    #[test]
    fn timeout_messages_are_kubectls() {
        let t = target(Some("migrate"));
        let c = conditions(&["condition=Complete"], &[], false);
        let tracker = listed(&t, &c, &[]);
        assert_eq!(
            tracker.timeout_message(false),
            "timed out waiting for the condition on jobs/migrate"
        );
        assert_eq!(
            tracker.timeout_message(true),
            "condition not met for jobs/migrate"
        );
    }
}
