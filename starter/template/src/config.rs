//! Configuration: `config/base.toml`, overlaid by `config/{profile}.toml`, overlaid by `APP_…`
//! environment variables, deserialised into [`Config`].
//!
//! The profile comes from `APP_PROFILE` (`dev` when unset). Nested keys are separated by `__`
//! in variable names: `APP_SERVER__PORT=8080` sets `port` in `[server]`. Unknown keys and
//! values of the wrong type are errors that name the key and where its value came from.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use figment::providers::{Env, Format, Toml};
use figment::{Figment, Provider};
use serde::Deserialize;

/// The prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "APP_";

/// The environment variable that selects the [`Profile`].
pub const PROFILE_VAR: &str = "APP_PROFILE";

/// The application's whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where and how the HTTP server listens.
    pub server: ServerConfig,
    /// Where logs go and what they look like.
    pub telemetry: TelemetryConfig,
    /// The greeting route's settings.
    pub greet: GreetConfig,
}

/// The `[server]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// The address to listen on: `127.0.0.1` for this machine only, `0.0.0.0` for every
    /// interface.
    pub host: IpAddr,
    /// The port to listen on; `0` picks a free one.
    pub port: u16,
    /// How long in-flight requests may run once SIGINT or SIGTERM arrives, in seconds.
    pub shutdown_timeout_secs: u64,
}

impl ServerConfig {
    /// [`shutdown_timeout_secs`](ServerConfig::shutdown_timeout_secs) as a duration.
    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}

/// The `[telemetry]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetryConfig {
    /// How log lines are written to stdout.
    pub format: LogFormat,
    /// Which events and spans are logged, in `RUST_LOG` syntax (`info`,
    /// `warn,starter_template=debug`, ...). `RUST_LOG`, when set, takes precedence.
    pub filter: String,
    /// Where to export traces, metrics and logs with OTLP over HTTP, e.g.
    /// `http://localhost:4318` (built with the feature `otel`). `OTEL_EXPORTER_OTLP_ENDPOINT`,
    /// when set, takes precedence; with neither, nothing is exported.
    #[serde(default)]
    pub otlp_endpoint: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line, for machines.
    Json,
    /// One human-readable line per event, for people.
    Text,
}

/// The `[greet]` table, injected into the greeting route.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GreetConfig {
    /// The word before the name: `Hello` gives `Hello, ada!`.
    pub greeting: String,
}

/// A set of configuration values for one kind of environment: `config/{profile}.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Local development: human-readable logs. The default.
    Dev,
    /// Production: JSON logs.
    Prod,
    /// The test suite: a free port.
    Test,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 3] = [Profile::Dev, Profile::Prod, Profile::Test];

    /// The profile's name, as in `APP_PROFILE` and in its file name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Prod => "prod",
            Profile::Test => "test",
        }
    }

    /// The profile named by `APP_PROFILE`, or [`Profile::Dev`] when it is unset.
    pub fn from_env() -> Result<Self, ConfigError> {
        match std::env::var(PROFILE_VAR) {
            Ok(name) => name.parse(),
            Err(std::env::VarError::NotPresent) => Ok(Profile::Dev),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(ConfigError::UnknownProfile("(not valid UTF-8)".to_owned()))
            }
        }
    }
}

impl FromStr for Profile {
    type Err = ConfigError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|profile| profile.as_str() == name)
            .ok_or_else(|| ConfigError::UnknownProfile(name.to_owned()))
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `APP_PROFILE` names no profile.
    #[error("{PROFILE_VAR}={0:?} is not a profile: expected `dev`, `prod` or `test`")]
    UnknownProfile(String),
    /// A configuration file is missing.
    #[error("the configuration file {} does not exist", .0.display())]
    MissingFile(PathBuf),
    /// A file or a variable has a bad value or an unknown key, or a file is not valid TOML.
    #[error("invalid configuration for the `{profile}` profile")]
    Invalid {
        /// The profile being loaded.
        profile: Profile,
        /// What was wrong, and where.
        #[source]
        source: InvalidKey,
    },
}

/// A configuration key with a bad value, or unknown, or missing: which key, where it was set,
/// and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub struct InvalidKey {
    /// The key, as in TOML (`server.port`); empty when a whole file is wrong.
    pub key: String,
    /// Where the value came from: a file (`config/dev.toml`) or a variable
    /// (`APP_SERVER__PORT`), when known.
    pub origin: Option<String>,
    /// What is wrong with it.
    pub kind: figment::error::Kind,
}

impl InvalidKey {
    /// Describes the first of figment's errors, naming the variable a bad value came from by
    /// its name (figment names it by its key).
    fn new(error: figment::Error, env: &Env) -> Self {
        let mut path = error.path;
        if let figment::error::Kind::MissingField(field) = &error.kind {
            path.push(field.to_string());
        }
        let origin = error.metadata.map(|metadata| {
            if metadata.name == env.metadata().name {
                let var: Vec<String> = path.iter().map(|k| k.to_ascii_uppercase()).collect();
                format!("{ENV_PREFIX}{}", var.join("__"))
            } else {
                match metadata.source {
                    Some(source) => source.to_string(),
                    None => metadata.name.into_owned(),
                }
            }
        });
        Self {
            key: path.join("."),
            origin,
            kind: error.kind,
        }
    }
}

impl fmt::Display for InvalidKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.key;
        match (&self.kind, &self.origin) {
            (figment::error::Kind::MissingField(_), _) => {
                write!(
                    f,
                    "`{key}` is not set in any configuration file or variable"
                )
            }
            (kind, Some(origin)) if key.is_empty() => write!(f, "{origin}: {kind}"),
            (kind, Some(origin)) => write!(f, "`{key}` in {origin}: {kind}"),
            (kind, None) if key.is_empty() => write!(f, "{kind}"),
            (kind, None) => write!(f, "`{key}`: {kind}"),
        }
    }
}

impl Config {
    /// Loads the configuration of the profile named by `APP_PROFILE` from `config/` in the
    /// working directory.
    pub fn load() -> Result<Self, ConfigError> {
        // Absolute, so that an error says where the files were looked for.
        let dir = std::env::current_dir()
            .map_or_else(|_| PathBuf::from("config"), |cwd| cwd.join("config"));
        Self::load_from(&dir, Profile::from_env()?)
    }

    /// Loads `dir/base.toml`, then `dir/{profile}.toml`, then the `APP_…` environment
    /// variables, each overriding the previous ones.
    pub fn load_from(dir: &Path, profile: Profile) -> Result<Self, ConfigError> {
        let base = dir.join("base.toml");
        let overlay = dir.join(format!("{profile}.toml"));
        for file in [&base, &overlay] {
            if !file.is_file() {
                return Err(ConfigError::MissingFile(file.clone()));
            }
        }
        let env = Env::prefixed(ENV_PREFIX).ignore(&["profile"]).split("__");
        Figment::new()
            .merge(Toml::file_exact(base))
            .merge(Toml::file_exact(overlay))
            .merge(env.clone())
            .extract()
            .map_err(|error| ConfigError::Invalid {
                profile,
                source: InvalidKey::new(error, &env),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse_from_their_names_only() {
        for profile in Profile::ALL {
            assert_eq!(profile.as_str().parse::<Profile>().unwrap(), profile);
        }
        let error = "staging".parse::<Profile>().unwrap_err();
        assert_eq!(
            error.to_string(),
            r#"APP_PROFILE="staging" is not a profile: expected `dev`, `prod` or `test`"#
        );
    }

    #[test]
    fn every_profile_shipped_in_config_loads() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        for profile in Profile::ALL {
            Config::load_from(&dir, profile)
                .unwrap_or_else(|error| panic!("profile {profile}: {error:?}"));
        }
    }
}
