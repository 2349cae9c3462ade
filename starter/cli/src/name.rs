//! Crate names: the rules cargo applies to a new package's name.

/// Rust's keywords, strict and reserved, in every edition: none can name a crate.
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The crates that come with Rust.
const BUILT_IN: &[&str] = &["alloc", "core", "proc_macro", "std", "test"];

/// Directory names cargo uses in `target/`: a binary by that name would clash with them.
const CARGO_DIRS: &[&str] = &["build", "deps", "examples", "incremental"];

/// Names Windows reserves for devices: no file or directory can have them.
const WINDOWS_DEVICES: &[&str] = &[
    "aux", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9", "con", "lpt1",
    "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9", "nul", "prn",
];

/// Why a name cannot be a crate's.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidName {
    /// The name is empty.
    #[error("a crate name cannot be empty")]
    Empty,
    /// The name has a character other than an ASCII letter, digit, `-` or `_`.
    #[error(
        "`{name}` cannot be a crate name: {character:?} is not an ASCII letter, digit, `-` or `_`"
    )]
    Character {
        /// The name.
        name: String,
        /// Its first invalid character.
        character: char,
    },
    /// The name starts with a digit.
    #[error("`{0}` cannot be a crate name: it starts with a digit")]
    LeadingDigit(String),
    /// The name is a Rust keyword.
    #[error("`{0}` cannot be a crate name: it is a Rust keyword")]
    Keyword(String),
    /// The name is reserved: a built-in crate, a cargo directory, a Windows device, or a
    /// dependency of the project.
    #[error("`{name}` cannot be a crate name: it is {why}")]
    Reserved {
        /// The name.
        name: String,
        /// What it is already.
        why: &'static str,
    },
}

/// Checks `name` against cargo's rules for a package name, plus `taken`: names the project
/// cannot have because it depends on crates by those names.
pub fn validate(name: &str, taken: &[&str]) -> Result<(), InvalidName> {
    let Some(first) = name.chars().next() else {
        return Err(InvalidName::Empty);
    };
    if let Some(character) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(InvalidName::Character {
            name: name.to_owned(),
            character,
        });
    }
    if first.is_ascii_digit() {
        return Err(InvalidName::LeadingDigit(name.to_owned()));
    }
    let snake = snake_case(name);
    if KEYWORDS.contains(&name) || KEYWORDS.contains(&snake.as_str()) {
        return Err(InvalidName::Keyword(name.to_owned()));
    }
    let lower = snake.to_ascii_lowercase();
    let reserved = [
        (BUILT_IN, "the name of a crate that comes with Rust"),
        (CARGO_DIRS, "the name of a directory cargo uses"),
        (WINDOWS_DEVICES, "reserved by Windows"),
        (taken, "the name of one of the project's dependencies"),
    ];
    for (names, why) in reserved {
        if names.iter().any(|reserved| snake_case(reserved) == lower) {
            return Err(InvalidName::Reserved {
                name: name.to_owned(),
                why,
            });
        }
    }
    Ok(())
}

/// The name as Rust code spells it: `-` becomes `_`.
pub fn snake_case(name: &str) -> String {
    name.replace('-', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_names() {
        for name in ["hello", "my-app", "my_app", "App2", "_private", "x"] {
            assert_eq!(validate(name, &[]), Ok(()), "{name}");
        }
    }

    #[test]
    fn refuses_what_cargo_refuses_with_a_reason() {
        let cases = [
            ("", "a crate name cannot be empty"),
            (
                "my.app",
                "`my.app` cannot be a crate name: '.' is not an ASCII letter, digit, `-` or `_`",
            ),
            (
                "café",
                "`café` cannot be a crate name: 'é' is not an ASCII letter, digit, `-` or `_`",
            ),
            (
                "1st",
                "`1st` cannot be a crate name: it starts with a digit",
            ),
            ("fn", "`fn` cannot be a crate name: it is a Rust keyword"),
            (
                "self",
                "`self` cannot be a crate name: it is a Rust keyword",
            ),
            (
                "test",
                "`test` cannot be a crate name: it is the name of a crate that comes with Rust",
            ),
            (
                "proc-macro",
                "`proc-macro` cannot be a crate name: it is the name of a crate that comes with Rust",
            ),
            (
                "deps",
                "`deps` cannot be a crate name: it is the name of a directory cargo uses",
            ),
            (
                "CON",
                "`CON` cannot be a crate name: it is reserved by Windows",
            ),
        ];
        for (name, message) in cases {
            let error = validate(name, &[]).expect_err(name);
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn refuses_the_names_of_dependencies_however_spelt() {
        let taken = ["tracing-subscriber", "tokio"];
        for name in ["tokio", "tracing_subscriber", "tracing-subscriber"] {
            let error = validate(name, &taken).expect_err(name);
            assert!(
                error
                    .to_string()
                    .ends_with("one of the project's dependencies")
            );
        }
        assert_eq!(validate("tokio-app", &taken), Ok(()));
    }
}
