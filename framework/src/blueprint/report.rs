//! What [`Blueprint::build`](super::Blueprint::build) reports: problems, all at once, and
//! warnings.

use std::fmt;
use std::panic::Location;

use crate::Error;
use crate::component::{ComponentMeta, TypeMeta};

/// Why [`Blueprint::build`](super::Blueprint::build) failed.
#[derive(Debug)]
pub enum BuildError {
    /// The blueprint is inconsistent. Every problem found is listed, each naming the
    /// components involved, where they are defined and where they were registered.
    Invalid {
        /// One message per problem.
        problems: Vec<String>,
    },
    /// A singleton constructor returned an error.
    Singleton {
        /// The constructor, with its definition and registration.
        constructor: String,
        /// What it returned.
        source: Error,
    },
}

impl BuildError {
    /// The problems found, one message each (empty for [`BuildError::Singleton`]).
    pub fn problems(&self) -> &[String] {
        match self {
            BuildError::Invalid { problems } => problems,
            BuildError::Singleton { .. } => &[],
        }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Invalid { problems } => {
                let plural = if problems.len() == 1 { "" } else { "s" };
                write!(f, "the blueprint has {} problem{plural}:", problems.len())?;
                for (index, problem) in problems.iter().enumerate() {
                    write!(f, "\n\n{}. {problem}", index + 1)?;
                }
                Ok(())
            }
            BuildError::Singleton { constructor, .. } => {
                write!(f, "the singleton constructor {constructor} failed")
            }
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Invalid { .. } => None,
            BuildError::Singleton { source, .. } => Some(source.as_std()),
        }
    }
}

/// Something [`Blueprint::build`](super::Blueprint::build) accepted but that deserves a look;
/// logged at WARN when the app starts serving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildWarning {
    pub(crate) message: String,
}

impl BuildWarning {
    /// The warning's text.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BuildWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Names a component in a message: "`path::to::f` (defined at file:line, registered at
/// file:line)".
pub(crate) fn describe(meta: &ComponentMeta, at: &Location<'_>) -> String {
    format!(
        "`{}` (defined at {}:{}, registered at {}:{})",
        meta.name,
        meta.file,
        meta.line,
        at.file(),
        at.line()
    )
}

/// The problem of a by-value input of a shared value that cannot be cloned.
pub(crate) fn not_clone(consumer: &str, ty: TypeMeta) -> String {
    format!(
        "{consumer} takes `{ty}` by value, but `{ty}` is shared by every request and does not implement `Clone`. Take `&{ty}` instead, or implement `Clone` for it."
    )
}
