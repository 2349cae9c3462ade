//! Bad configuration fails at start-up, naming the key and the file or the variable.

use std::fs;
use std::path::PathBuf;

use starter_template::config::{Config, ConfigError, Profile};

use crate::helpers::{TestServer, config_dir};

/// A copy of `config/` whose `test.toml` is `test_toml`, in a directory of its own.
fn config_dir_with(name: &str, test_toml: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("config-{name}"));
    fs::create_dir_all(&dir).expect("a scratch directory");
    fs::copy(config_dir().join("base.toml"), dir.join("base.toml")).expect("base.toml copied");
    fs::write(dir.join("test.toml"), test_toml).expect("test.toml written");
    dir
}

#[test]
fn the_test_profile_listens_on_a_free_port() {
    let config = Config::load_from(&config_dir(), Profile::Test).unwrap();
    assert_eq!(config.server.port, 0);
}

#[test]
fn a_bad_value_in_a_file_names_the_key_and_the_file() {
    let dir = config_dir_with("bad-value", "[server]\nport = \"eighty\"\n");
    let error = Config::load_from(&dir, Profile::Test).unwrap_err();
    let ConfigError::Invalid { source, .. } = &error else {
        panic!("{error:?}");
    };
    // Figment shows the file's path relative to the working directory.
    let message = source.to_string();
    assert!(message.starts_with("`server.port` in "), "{message}");
    assert!(
        message.ends_with(
            "config-bad-value/test.toml: invalid type: found string \"eighty\", expected u16"
        ),
        "{message}"
    );
}

#[test]
fn an_unknown_key_in_a_file_is_an_error() {
    let dir = config_dir_with("unknown-key", "[server]\nprot = 8080\n");
    let error = Config::load_from(&dir, Profile::Test).unwrap_err();
    let message = std::error::Error::source(&error).unwrap().to_string();
    assert!(message.starts_with("`server.prot` in "), "{message}");
    assert!(message.contains("unknown field: found `prot`"), "{message}");
}

#[test]
fn a_missing_file_is_named() {
    let dir = config_dir_with("missing-file", "");
    let error = Config::load_from(&dir, Profile::Dev).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "the configuration file {} does not exist",
            dir.join("dev.toml").display()
        )
    );
}

#[test]
fn a_bad_variable_stops_the_binary_with_a_message_naming_it() {
    let output = TestServer::command(&[("APP_SERVER__PORT", "eighty")])
        .output()
        .expect("the binary runs");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr,
        "error: could not load the configuration\n  \
         caused by: invalid configuration for the `test` profile\n  \
         caused by: `server.port` in APP_SERVER__PORT: invalid type: found string \"eighty\", \
         expected u16\n"
    );
}

#[test]
fn an_unknown_profile_stops_the_binary() {
    let output = TestServer::command(&[("APP_PROFILE", "staging")])
        .output()
        .expect("the binary runs");

    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(r#"APP_PROFILE="staging" is not a profile"#),
        "{stderr}"
    );
}
