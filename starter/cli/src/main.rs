//! `watchful`: the command line of the watchful web framework. `watchful new <path>`
//! scaffolds an application from the starter template embedded in this binary.

mod name;
mod new;
mod template;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::new::{Options, WatchfulSource};

/// The command line of watchful, a Rust web framework where every error is handled and then
/// observed.
#[derive(Debug, Parser)]
#[command(name = "watchful", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new application: two routes, one of which fails in an observed way, JSON or
    /// text logs, layered configuration, and tests.
    #[command(
        long_about = "Create a new application from the starter template built into this binary.\n\n\
            The project has `GET /api/ping` and `GET /api/greet/{name}` (whose invalid names show \
            the error path: a 400, an ERROR log line and the error on the request's span), logs \
            as text or JSON lines on stdout, configuration in config/*.toml and APP_… variables, \
            and tests. It works offline: nothing is downloaded but the dependencies cargo \
            fetches when you build it.",
        after_help = "Example:\n  watchful new hello && cd hello && cargo run"
    )]
    New(NewArgs),
}

#[derive(Debug, Args)]
struct NewArgs {
    /// Directory to create the project in; it must not exist or be empty.
    path: PathBuf,

    /// The crate's name [default: the directory's name].
    #[arg(long, value_name = "CRATE-NAME")]
    name: Option<String>,

    /// Depend on the watchful crate in this directory (a checkout's `framework/` folder)
    /// [default: the checkout this binary was built from].
    #[arg(long, value_name = "DIR", conflicts_with = "watchful_version")]
    watchful_path: Option<PathBuf>,

    /// Depend on watchful from crates.io with this version requirement, such as `0.1`.
    #[arg(long, value_name = "REQ")]
    watchful_version: Option<String>,
}

fn main() -> ExitCode {
    let Command::New(args) = Cli::parse().command;
    let watchful = match (args.watchful_path, args.watchful_version) {
        (Some(path), _) => Some(WatchfulSource::Path(path)),
        (None, Some(req)) => Some(WatchfulSource::Version(req)),
        (None, None) => None,
    };
    let options = Options {
        path: args.path,
        name: args.name,
        watchful,
    };
    match new::new(&options) {
        Ok(created) => {
            println!(
                "Created `{}` in {} ({} files). Next:\n\n    cd {} && cargo run\n    cargo test\n\n\
                 then open http://127.0.0.1:8000/api/ping; the project's README says what is where.",
                created.name,
                options.path.display(),
                created.files,
                shell_quote(&options.path),
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

/// `path` as a POSIX shell word: as it is when that is safe, single-quoted otherwise.
fn shell_quote(path: &Path) -> String {
    let path = path.to_string_lossy();
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c);
    if !path.is_empty() && path.chars().all(safe) {
        path.into_owned()
    } else {
        format!("'{}'", path.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn paths_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(shell_quote(Path::new("/tmp/hello-1")), "/tmp/hello-1");
        assert_eq!(shell_quote(Path::new("my app")), "'my app'");
        assert_eq!(shell_quote(Path::new("it's")), r"'it'\''s'");
    }
}
