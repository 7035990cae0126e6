//! Checking what ci/scenario.sh printed: every step `ok`, and the summary.

use anyhow::{bail, Result};

/// The steps ci/scenario.sh always runs (the library example is extra).
pub const MIN_STEPS: usize = 20;

/// Succeeds when the log shows at least [`MIN_STEPS`] passing steps, numbered
/// in order, no failing one, and the closing summary line.
pub fn check(log: &str) -> Result<()> {
    let mut passed = 0;
    for line in log.lines() {
        if line.starts_with("not ok") {
            bail!("scenario step failed: {line}");
        }
        if let Some(rest) = line.strip_prefix("ok ") {
            let number: usize = rest
                .split(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            if number != passed + 1 {
                bail!("scenario steps out of order at: {line}");
            }
            passed += 1;
        }
    }
    if passed < MIN_STEPS {
        bail!("the scenario ran {passed} steps, expected at least {MIN_STEPS}");
    }
    let summary = format!("# all {passed} steps passed");
    if !log.lines().any(|l| l == summary) {
        bail!("the scenario log does not end with '{summary}'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(steps: usize) -> String {
        let mut s: String = (1..=steps)
            .map(|n| format!("ok {n} - step {n}\n"))
            .collect();
        s.push_str(&format!("# all {steps} steps passed\n"));
        s
    }

    #[test]
    fn a_full_run_passes() {
        check(&log(MIN_STEPS)).unwrap();
        check(&log(MIN_STEPS + 1)).unwrap();
    }

    #[test]
    fn a_failed_step_fails() {
        let bad = log(3) + "not ok 4 - label this pod\n# exit code 1\n";
        assert!(check(&bad).unwrap_err().to_string().contains("not ok 4"));
    }

    #[test]
    fn a_short_or_unfinished_run_fails() {
        assert!(check(&log(MIN_STEPS - 1)).is_err());
        let unfinished: String = (1..=MIN_STEPS).map(|n| format!("ok {n} - s\n")).collect();
        assert!(check(&unfinished).is_err());
        assert!(check("").is_err());
    }

    #[test]
    fn steps_must_be_in_order() {
        let skipped = log(MIN_STEPS).replace("ok 2 -", "ok 3 -");
        assert!(check(&skipped).is_err());
    }
}
