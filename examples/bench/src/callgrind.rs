//! Valgrind's callgrind: the command line a server runs under, and reading the instruction
//! total from the file it writes when the process exits.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

/// The program and arguments that run a program under callgrind, writing its profile to
/// `out`. Per-instruction and per-line data are left out: only the totals are read, and
/// `callgrind_annotate` still shows the functions.
pub fn wrapper(out: &Path) -> Vec<OsString> {
    let mut file = OsString::from("--callgrind-out-file=");
    file.push(out);
    vec![
        "valgrind".into(),
        "--tool=callgrind".into(),
        "--quiet".into(),
        "--dump-instr=no".into(),
        "--dump-line=no".into(),
        file,
    ]
}

/// valgrind's version (`valgrind-3.19.0`), or why it cannot run.
pub fn version() -> Result<String, String> {
    let output = Command::new("valgrind").arg("--version").output().map_err(|_| {
        "valgrind is not installed: run examples/bench/run.sh (it installs Debian's valgrind) or `apt-get install valgrind`"
            .to_owned()
    })?;
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The instructions executed (event `Ir`) in a callgrind output file: its `totals:` line,
/// or the older `summary:` line, read in the order of the `events:` line.
pub fn instructions(profile: &str) -> Option<u64> {
    let mut index = 0;
    let mut total = None;
    for line in profile.lines() {
        if let Some(events) = line.strip_prefix("events:") {
            index = events.split_whitespace().position(|e| e == "Ir")?;
        } else if let Some(values) = line
            .strip_prefix("totals:")
            .or_else(|| line.strip_prefix("summary:"))
        {
            total = Some(values.split_whitespace().nth(index)?.parse().ok()?);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_instruction_total() {
        let profile = "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\n\
                       pid: 4242\ncmd:  watchful-bench serve hyper\npart: 1\n\n\
                       desc: I1 cache: \ndesc: Timerange: Basic block 0 - 1234\n\
                       positions: line\nevents: Ir\nsummary: 98765432\n\n\
                       fl=(1) ???\nfn=(1) main\n0 12\n\ntotals: 98765432\n";
        assert_eq!(instructions(profile), Some(98_765_432));
    }

    #[test]
    fn takes_ir_where_the_events_line_puts_it() {
        let profile = "events: Dr Ir Dw\nsummary: 5 700 9\n";
        assert_eq!(instructions(profile), Some(700));
    }

    #[test]
    fn no_total_is_none() {
        assert_eq!(instructions("events: Ir\nfn=(1) main\n0 12\n"), None);
        assert_eq!(instructions("events: Dr Dw\ntotals: 1 2\n"), None);
        assert_eq!(instructions("events: Ir\ntotals: many\n"), None);
    }

    #[test]
    fn wrapper_names_the_output_file() {
        let args = wrapper(Path::new("/tmp/x.callgrind"));
        assert_eq!(args[0], "valgrind");
        assert!(args.contains(&OsString::from("--tool=callgrind")));
        assert_eq!(
            args.last().unwrap(),
            &OsString::from("--callgrind-out-file=/tmp/x.callgrind")
        );
    }
}
