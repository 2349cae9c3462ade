//! The regression gate: watchful's instructions per request over raw hyper's, per scenario,
//! must not exceed the thresholds committed in `examples/bench/thresholds.json`. Instruction
//! counts do not move with the machine's load, so a small margin is enough.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::instructions::{Measurement, Telemetry, find, grouped};
use crate::scenario::Scenario;
use crate::servers::Kind;

/// The thresholds file, relative to the workspace.
pub const THRESHOLDS: &str = "examples/bench/thresholds.json";

/// The thresholds file's content (other keys, such as a comment, are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Thresholds {
    /// Per telemetry and scenario, the largest watchful / raw hyper ratio of instructions per
    /// request that passes.
    pub watchful_over_hyper: BTreeMap<Telemetry, BTreeMap<Scenario, f64>>,
}

impl Thresholds {
    /// Reads and parses the file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Parses the JSON.
    pub fn parse(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The telemetries the gate checks.
    pub fn telemetries(&self) -> Vec<Telemetry> {
        self.watchful_over_hyper.keys().copied().collect()
    }
}

/// One threshold against the measurements.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    scenario: Scenario,
    telemetry: Telemetry,
    /// The threshold.
    limit: f64,
    /// watchful's and raw hyper's instructions per request, when both were measured.
    measured: Option<(f64, f64)>,
}

impl Check {
    /// The scenario checked.
    pub fn scenario(&self) -> Scenario {
        self.scenario
    }

    /// With logging on or off.
    pub fn telemetry(&self) -> Telemetry {
        self.telemetry
    }

    fn ratio(&self) -> Option<f64> {
        self.measured.map(|(watchful, hyper)| watchful / hyper)
    }

    /// Why the check fails (`None` when it passes): which scenario, and by how much.
    pub fn failure(&self) -> Option<String> {
        let what = format!("{}, {}", self.scenario.title(), self.telemetry.title());
        let Some((watchful, hyper)) = self.measured else {
            return Some(format!(
                "{what}: not measured (the gate needs both watchful and raw hyper)"
            ));
        };
        let ratio = watchful / hyper;
        (ratio > self.limit).then(|| {
            format!(
                "{what}: watchful / raw hyper = {ratio:.3}× ({} against {} instructions per request) \
                 exceeds the threshold {:.3}× by {:.1} %",
                grouped(watchful),
                grouped(hyper),
                self.limit,
                (ratio / self.limit - 1.0) * 100.0
            )
        })
    }
}

/// Checks every threshold against the measurements.
pub fn check(thresholds: &Thresholds, measurements: &[Measurement]) -> Vec<Check> {
    let mut checks = Vec::new();
    for (&telemetry, limits) in &thresholds.watchful_over_hyper {
        for (&scenario, &limit) in limits {
            let of = |server| {
                find(measurements, server, scenario, telemetry).map(|m| m.instructions_per_request)
            };
            checks.push(Check {
                scenario,
                telemetry,
                limit,
                measured: of(Kind::Watchful).zip(of(Kind::Hyper)),
            });
        }
    }
    checks
}

/// The gate's table.
pub fn markdown(checks: &[Check]) -> String {
    let mut md = format!(
        "### Regression gate\n\nwatchful / raw hyper, instructions per request, against the thresholds \
         in `{THRESHOLDS}`.\n\n| scenario | logging | ratio | threshold | passes |\n|---|---|---:|---:|---|\n"
    );
    for check in checks {
        let ratio = check.ratio().map_or("–".to_owned(), |r| format!("{r:.3}×"));
        let passes = if check.failure().is_none() {
            "yes"
        } else {
            "**no**"
        };
        let _ = writeln!(
            md,
            "| {} | {} | {ratio} | {:.3}× | {passes} |",
            check.scenario.title(),
            check.telemetry.name(),
            check.limit
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alloc_count::Allocations;
    use crate::instructions::Run;

    fn measurement(server: Kind, scenario: Scenario, ir: f64) -> Measurement {
        let run = |requests| Run {
            requests,
            instructions: 0,
            allocations: Allocations {
                allocations: 0,
                bytes: 0,
            },
        };
        Measurement {
            server,
            scenario,
            telemetry: Telemetry::Json,
            runs: [run(1), run(2)],
            instructions_per_request: ir,
            allocations_per_request: 0.0,
            bytes_per_request: 0.0,
        }
    }

    fn thresholds() -> Thresholds {
        Thresholds::parse(
            r#"{"comment": "ignored",
                "watchful_over_hyper": {"json": {"plaintext": 1.03, "fail": 1.03, "missing": 1.0}}}"#,
        )
        .unwrap()
    }

    #[test]
    fn parses_the_committed_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("thresholds.json");
        let thresholds = Thresholds::load(&path).unwrap();
        assert_eq!(thresholds.telemetries(), Telemetry::ALL);
        for limits in thresholds.watchful_over_hyper.values() {
            assert_eq!(limits.len(), Scenario::ALL.len());
        }
    }

    #[test]
    fn rejects_unknown_scenarios() {
        let error =
            Thresholds::parse(r#"{"watchful_over_hyper": {"json": {"teapot": 1.0}}}"#).unwrap_err();
        assert!(error.contains("teapot"), "{error}");
    }

    #[test]
    fn passes_at_the_threshold_and_fails_above_it_saying_by_how_much() {
        let measurements = [
            measurement(Kind::Hyper, Scenario::Plaintext, 100_000.0),
            measurement(Kind::Watchful, Scenario::Plaintext, 103_000.0),
            measurement(Kind::Hyper, Scenario::Fail, 500_000.0),
            measurement(Kind::Watchful, Scenario::Fail, 545_900.0),
        ];
        let checks = check(&thresholds(), &measurements);
        let failures: Vec<String> = checks.iter().filter_map(Check::failure).collect();
        assert_eq!(
            failures,
            [
                "3. handler error → 500, reported, logging on (JSON lines to a file): watchful / raw hyper \
                 = 1.092× (545,900 against 500,000 instructions per request) exceeds the threshold \
                 1.030× by 6.0 %",
                "4. 404, logging on (JSON lines to a file): not measured (the gate needs both watchful \
                 and raw hyper)",
            ]
        );
        let md = markdown(&checks);
        assert!(
            md.contains("| 1. plaintext | json | 1.030× | 1.030× | yes |"),
            "{md}"
        );
        assert!(
            md.contains("| 3. handler error → 500, reported | json | 1.092× | 1.030× | **no** |")
        );
        assert!(md.contains("| 4. 404 | json | – | 1.000× | **no** |"));
    }
}
