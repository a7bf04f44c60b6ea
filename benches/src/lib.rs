//! What the benches share: timing variants side by side in interleaved rounds, reading this
//! process's memory, and a plain MCP client over HTTP ([`plain_http`]).
//!
//! The machine is shared, and its slow phases last longer than a round: timed in rounds, each
//! round a batch of every variant back to back, a slow phase weighs on every variant of a
//! round alike, and the median of the rounds' ratios stays true where medians measured seconds
//! apart drift apart.

use std::time::{Duration, Instant};

pub mod plain_http;

/// A field of this process's `/proc/self/status` in KiB, such as `VmRSS` (resident now) or
/// `VmHWM` (the peak).
///
/// ```
/// assert!(tool_runtime_benches::status_kib("VmRSS") > 0);
/// ```
pub fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// How long one batch of one variant takes, about: long enough for the clock, short enough
/// for a round to fit in one phase of the machine.
const BATCH: Duration = Duration::from_millis(2);

/// The time per call of every variant in every round.
pub struct Rounds {
    /// `ns[variant][round]`: nanoseconds per call.
    ns: Vec<Vec<f64>>,
}

/// Times `variants` variants in `rounds` rounds. `run(variant, calls)` makes `calls` calls of
/// the variant and gives how long they took; each variant's number of calls per batch is set
/// once, before the rounds, so that a batch takes about 2 ms.
///
/// ```
/// use std::time::Instant;
///
/// let rounds = tool_runtime_benches::interleaved(2, 5, |variant, calls| {
///     let start = Instant::now();
///     for i in 0..calls {
///         std::hint::black_box(if variant == 0 { i } else { i * 2 });
///     }
///     start.elapsed()
/// });
/// assert!(rounds.median(0) > 0.0 && rounds.ratio(1, 0) > 0.0);
/// ```
pub fn interleaved(
    variants: usize,
    rounds: usize,
    mut run: impl FnMut(usize, u32) -> Duration,
) -> Rounds {
    let calls: Vec<u32> = (0..variants)
        .map(|variant| batch_size(|calls| run(variant, calls)))
        .collect();
    let mut ns = vec![Vec::with_capacity(rounds); variants];
    for _ in 0..rounds {
        for (variant, times) in ns.iter_mut().enumerate() {
            let took = run(variant, calls[variant]);
            times.push(took.as_secs_f64() * 1e9 / f64::from(calls[variant]));
        }
    }
    Rounds { ns }
}

/// The number of calls that takes about [`BATCH`], doubled from one until it does.
fn batch_size(mut run: impl FnMut(u32) -> Duration) -> u32 {
    let mut calls = 1;
    while calls < 1 << 24 && run(calls) < BATCH {
        calls *= 2;
    }
    calls
}

impl Rounds {
    /// The median time per call of `variant`, in ns.
    pub fn median(&self, variant: usize) -> f64 {
        median(self.ns[variant].clone())
    }

    /// The median over the rounds of the ratio of variant `of` to variant `to`.
    pub fn ratio(&self, of: usize, to: usize) -> f64 {
        median(
            self.ns[of]
                .iter()
                .zip(&self.ns[to])
                .map(|(a, b)| a / b)
                .collect(),
        )
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// `PASS` or `FAIL`.
pub fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "FAIL" }
}

/// Times `calls` calls of a synchronous `call`.
pub fn time_calls<T>(calls: u32, mut call: impl FnMut() -> T) -> Duration {
    let start = Instant::now();
    for _ in 0..calls {
        std::hint::black_box(call());
    }
    start.elapsed()
}
