//! Trying a call again after a transient failure: how many times a tool allows it, and how
//! long to wait before each retry (exponential backoff with full jitter).

use std::time::Duration;

use tokio::time::Instant;

use crate::ToolSpec;

/// The retries of a tool that may be called again and declares no number: three attempts in
/// all.
const DEFAULT_RETRIES: u32 = 2;

/// The most retries of any call, whatever its spec says (`#[tool(retries = N)]` checks the
/// same bound when it compiles).
const MAX_RETRIES: u32 = 10;

/// The longest pause before the first retry; it doubles with each retry after it...
const BASE: Duration = Duration::from_millis(100);

/// ...up to this.
const CAP: Duration = Duration::from_secs(5);

/// How many times a call of the tool `spec` may be tried again after a transient failure: its
/// own number, else [`DEFAULT_RETRIES`] when its hints say that calling it again is harmless
/// (idempotent, or failing that read-only), else none.
pub(crate) fn retries(spec: &ToolSpec) -> u32 {
    let hints = &spec.annotations;
    let repeatable = hints.idempotent.or(hints.read_only).unwrap_or(false);
    let default = if repeatable { DEFAULT_RETRIES } else { 0 };
    spec.retries.unwrap_or(default).min(MAX_RETRIES)
}

/// The pause before retry number `retry` (1 for the first), drawn uniformly between zero and
/// `BASE * 2^(retry - 1)`, at most [`CAP`] ("full jitter": calls that failed together do not
/// come back together). `None` when the retry would not have left, after the pause, as long as
/// the failed attempt took (and at least a millisecond, the timer's grain) before `deadline`:
/// it would most likely time out, and the model is better told the failure at once.
pub(crate) fn pause(retry: u32, took: Duration, deadline: Instant) -> Option<Duration> {
    let pause = Duration::from_nanos(fastrand::u64(0..=ceiling(retry).as_nanos() as u64));
    let needed = took.max(Duration::from_millis(1));
    (Instant::now() + pause + needed < deadline).then_some(pause)
}

/// The longest pause before retry number `retry`.
fn ceiling(retry: u32) -> Duration {
    let doublings = retry.saturating_sub(1).min(16);
    BASE.saturating_mul(1 << doublings).min(CAP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Annotations;

    fn spec(idempotent: Option<bool>, read_only: Option<bool>, retries: Option<u32>) -> ToolSpec {
        let mut spec = ToolSpec::new("t", "T.", serde_json::json!({"type": "object"}))
            .with_annotations(Annotations {
                idempotent,
                read_only,
                ..Annotations::default()
            });
        spec.retries = retries;
        spec
    }

    #[test]
    fn only_tools_that_may_be_called_again_are_retried() {
        assert_eq!(retries(&spec(None, None, None)), 0);
        assert_eq!(retries(&spec(Some(true), None, None)), 2);
        assert_eq!(retries(&spec(None, Some(true), None)), 2);
        assert_eq!(retries(&spec(Some(false), Some(true), None)), 0);
        assert_eq!(retries(&spec(Some(false), None, None)), 0);
        assert_eq!(retries(&spec(None, None, Some(4))), 4);
        assert_eq!(retries(&spec(Some(true), None, Some(0))), 0);
        assert_eq!(retries(&spec(None, None, Some(1000))), MAX_RETRIES);
    }

    #[test]
    fn the_ceiling_doubles_up_to_the_cap() {
        let ms = |retry| ceiling(retry).as_millis();
        assert_eq!(
            [ms(1), ms(2), ms(3), ms(4), ms(5), ms(6)],
            [100, 200, 400, 800, 1600, 3200]
        );
        assert_eq!([ms(7), ms(10), ms(u32::MAX)], [5000, 5000, 5000]);
    }

    #[test]
    fn pauses_are_spread_within_the_ceiling() {
        let far = Instant::now() + Duration::from_secs(3600);
        for retry in 1..=8 {
            let pauses: Vec<Duration> = (0..200)
                .map(|_| pause(retry, Duration::ZERO, far).unwrap())
                .collect();
            assert!(pauses.iter().all(|p| *p <= ceiling(retry)), "retry {retry}");
            // Spread over the range, not bunched at one end.
            let low = pauses.iter().filter(|p| **p < ceiling(retry) / 4).count();
            let high = pauses
                .iter()
                .filter(|p| **p > ceiling(retry) * 3 / 4)
                .count();
            assert!(
                low > 10 && high > 10,
                "retry {retry}: {low} low, {high} high"
            );
        }
    }

    #[test]
    fn a_retry_is_left_as_long_as_the_attempt_took() {
        let deadline = Instant::now() + Duration::from_millis(300);
        for _ in 0..100 {
            let short = pause(3, Duration::ZERO, deadline);
            assert!(short.is_none_or(|p| p < Duration::from_millis(299)));
            let long = pause(3, Duration::from_millis(200), deadline);
            assert!(long.is_none_or(|p| p < Duration::from_millis(100)));
        }
        assert_eq!(pause(1, Duration::ZERO, Instant::now()), None);
        assert_eq!(pause(1, Duration::from_secs(1), deadline), None);
    }
}
