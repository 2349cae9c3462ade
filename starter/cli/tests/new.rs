//! `watchful new`, end to end: the generated project builds and passes its own tests, and the
//! command writes nothing where it refuses to.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh scratch directory for one test, under cargo's temporary directory for tests.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("watchful-new")
        .join(name);
    if dir.exists() {
        fs::remove_dir_all(&dir).expect("the previous run's scratch directory is removable");
    }
    fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

fn watchful(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_watchful"))
        .args(args)
        .output()
        .expect("the CLI runs")
}

/// Every file under `dir`, with its contents.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(snapshot(&path));
        } else {
            let contents = fs::read(&path).expect("readable");
            files.push((path, contents));
        }
    }
    files.sort();
    files
}

#[test]
fn the_generated_project_builds_and_passes_its_tests() {
    let project = scratch("generated").join("hello-app");
    let path = project.to_str().expect("a UTF-8 path");

    let output = watchful(&["new", path]);

    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("cd {path} && cargo run")),
        "{stdout}"
    );
    assert!(stdout.contains("cargo test"), "{stdout}");
    let manifest = fs::read_to_string(project.join("Cargo.toml")).expect("a Cargo.toml");
    assert!(manifest.contains("name = \"hello-app\""), "{manifest}");
    assert!(manifest.contains("[workspace]"), "{manifest}");

    // The workspace's lock file pins the same versions, all of them already downloaded, and its
    // target directory already holds most of them compiled.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the temporary directory is inside the target directory");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    fs::copy(workspace.join("Cargo.lock"), project.join("Cargo.lock")).expect("lock copied");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // The workspace's dev profile (Cargo.toml), so that what is compiled alike is shared.
    let output = Command::new(cargo)
        .args(["test", "--offline", "--quiet"])
        .args(["--config", r#"profile.dev.debug="line-tables-only""#])
        .args(["--config", r#"profile.dev.package."*".debug=false"#])
        .current_dir(&project)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUST_LOG")
        .env_remove("APP_PROFILE")
        .output()
        .expect("cargo runs");

    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let passed: usize = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test result: ok. "))
        .filter_map(|rest| rest.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(passed > 10, "the project's tests ran: {stdout}");
}

#[test]
fn a_non_empty_directory_is_refused_and_left_as_it_was() {
    let dir = scratch("non-empty");
    fs::write(dir.join("notes.txt"), "mine\n").expect("a file");
    let before = snapshot(&dir);

    let output = watchful(&["new", dir.to_str().expect("a UTF-8 path")]);

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not empty"), "{stderr}");
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn an_invalid_name_is_refused_before_anything_is_written() {
    let project = scratch("invalid-name").join("app");

    let output = watchful(&[
        "new",
        project.to_str().expect("a UTF-8 path"),
        "--name",
        "std",
    ]);

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        "error: invalid project name (choose another with --name)\n  \
         caused by: `std` cannot be a crate name: it is the name of a crate that comes with Rust\n"
    );
    assert!(!project.exists());
}
