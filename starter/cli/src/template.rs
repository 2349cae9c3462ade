//! The starter template, embedded in the binary, and the few rewrites that turn it into a new
//! project: its name, its `watchful` dependency, and a `[workspace]` table of its own.

use std::fmt::Write as _;

include!(concat!(env!("OUT_DIR"), "/template.rs"));

/// The template's package name, as in its `Cargo.toml` and its docs.
const TEMPLATE_NAME: &str = "starter-template";

/// The template's crate name, as Rust code spells it.
const TEMPLATE_CRATE: &str = "starter_template";

/// The template's dependency on watchful, which only works inside this repository.
const TEMPLATE_DEPENDENCY: &str =
    r#"watchful = { path = "../../framework", features = ["openapi"] }"#;

/// The features of watchful the template uses: the generated API document.
const FEATURES: &str = r#"features = ["openapi"]"#;

/// Where the new project gets watchful from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dependency {
    /// A directory holding watchful's `Cargo.toml`.
    Path(String),
    /// A version requirement, for a registry.
    Version(String),
}

impl Dependency {
    /// The dependency's line in `[dependencies]`.
    fn toml_line(&self) -> String {
        match self {
            Dependency::Path(path) => {
                format!("watchful = {{ path = {}, {FEATURES} }}", toml_string(path))
            }
            Dependency::Version(req) => {
                format!(
                    "watchful = {{ version = {}, {FEATURES} }}",
                    toml_string(req)
                )
            }
        }
    }
}

/// One file of the new project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Its path relative to the project's root, with `/`.
    pub path: &'static str,
    /// Its contents.
    pub contents: String,
}

/// The names of the template's dependencies and dev-dependencies, which the new project
/// cannot take.
pub fn dependency_names() -> Vec<&'static str> {
    let mut section = "";
    let mut names = Vec::new();
    for line in manifest().lines() {
        if line.starts_with('[') {
            section = line;
        } else if (section == "[dependencies]" || section == "[dev-dependencies]")
            && let Some((name, _)) = line.split_once(" = ")
        {
            names.push(name.trim());
        }
    }
    names
}

/// The template's `Cargo.toml`.
fn manifest() -> &'static str {
    FILES
        .iter()
        .find(|(path, _)| *path == "Cargo.toml")
        .map(|(_, contents)| *contents)
        .expect("the template has a Cargo.toml")
}

/// The files of a project named `name` (already validated) that depends on watchful through
/// `dependency`.
pub fn render(name: &str, dependency: &Dependency) -> Vec<File> {
    let crate_name = crate::name::snake_case(name);
    FILES
        .iter()
        .map(|&(path, contents)| {
            let mut contents = contents
                .replace(TEMPLATE_NAME, name)
                .replace(TEMPLATE_CRATE, &crate_name);
            if path == "Cargo.toml" {
                contents = contents.replace(TEMPLATE_DEPENDENCY, &dependency.toml_line());
                contents.push_str(
                    "\n# This project is a workspace of its own, even inside another one.\n\
                     [workspace]\n",
                );
            }
            File { path, contents }
        })
        .collect()
}

/// `value` as a TOML basic string.
fn toml_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => {
                write!(quoted, "\\u{:04X}", u32::from(c)).expect("writing to a String")
            }
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file<'a>(files: &'a [File], path: &str) -> &'a str {
        &files
            .iter()
            .find(|file| file.path == path)
            .unwrap_or_else(|| panic!("no {path}"))
            .contents
    }

    #[test]
    fn the_template_has_what_the_rewrites_expect() {
        let manifest = manifest();
        assert_eq!(manifest.matches(TEMPLATE_DEPENDENCY).count(), 1);
        assert!(manifest.contains(&format!("name = \"{TEMPLATE_NAME}\"")));
        assert!(!manifest.contains("[workspace]"));
        assert!(
            !manifest.contains("workspace = true"),
            "the project is standalone"
        );
        for path in [
            "README.md",
            "src/main.rs",
            "src/blueprint.rs",
            "config/base.toml",
        ] {
            assert!(FILES.iter().any(|(p, _)| *p == path), "{path} is embedded");
        }
        assert!(
            !FILES
                .iter()
                .any(|(p, _)| p.starts_with("target/") || *p == "Cargo.lock")
        );
    }

    #[test]
    fn renames_the_project_everywhere() {
        let files = render("hello-world", &Dependency::Version("0.1".to_owned()));
        assert_eq!(files.len(), FILES.len());
        for file in &files {
            assert!(!file.contents.contains(TEMPLATE_NAME), "{}", file.path);
            assert!(!file.contents.contains(TEMPLATE_CRATE), "{}", file.path);
        }
        assert!(file(&files, "Cargo.toml").contains("name = \"hello-world\"\n"));
        assert!(file(&files, "src/main.rs").contains("use hello_world::"));
        assert!(file(&files, "tests/api/helpers.rs").contains("CARGO_BIN_EXE_hello-world"));
    }

    #[test]
    fn rewrites_the_dependency_and_adds_a_workspace() {
        let path = Dependency::Path(r#"C:\src\"watchful"\framework"#.to_owned());
        let files = render("hello", &path);
        let manifest = file(&files, "Cargo.toml");
        assert!(!manifest.contains("../../framework"));
        assert!(manifest.contains(
            r#"watchful = { path = "C:\\src\\\"watchful\"\\framework", features = ["openapi"] }"#
        ));
        assert!(manifest.ends_with("[workspace]\n"));

        let files = render("hello", &Dependency::Version("^0.1".to_owned()));
        let manifest = file(&files, "Cargo.toml");
        assert!(
            manifest.contains("\nwatchful = { version = \"^0.1\", features = [\"openapi\"] }\n")
        );
    }

    #[test]
    fn knows_the_dependencies() {
        let names = dependency_names();
        for name in ["watchful", "tokio", "tracing-subscriber", "figment"] {
            assert!(names.contains(&name), "{name} in {names:?}");
        }
        assert!(names.contains(&"serde_json"), "dev-dependencies count too");
        assert!(!names.contains(&"edition"), "{names:?}");
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string("plain/path"), r#""plain/path""#);
        assert_eq!(toml_string("a\"b\\c\n"), r#""a\"b\\c\u000A""#);
    }
}
