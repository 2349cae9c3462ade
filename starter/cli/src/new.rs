//! `watchful new`: checks everything first, then writes the project, and writes nothing when
//! anything is wrong.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::name::{self, InvalidName};
use crate::template::{self, Dependency};

/// The watchful crate of the checkout this binary was built from.
const BUILT_FROM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../framework");

/// What `watchful new` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to create the project.
    pub path: PathBuf,
    /// The crate's name; the directory's name when `None`.
    pub name: Option<String>,
    /// Where watchful comes from; the checkout this binary was built from when `None`.
    pub watchful: Option<WatchfulSource>,
}

/// Where the new project's `watchful` dependency points.
#[derive(Debug, Clone)]
pub enum WatchfulSource {
    /// The directory of the `watchful` crate (the `framework/` folder of a checkout).
    Path(PathBuf),
    /// A registry version requirement, such as `0.1`.
    Version(String),
}

/// Why `watchful new` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// No name was given and the directory's name cannot be used.
    #[error("cannot name the project after {}; choose a name with --name", .0.display())]
    NoName(PathBuf),
    /// The crate name is not valid.
    #[error("invalid project name (choose another with --name)")]
    InvalidName(#[source] InvalidName),
    /// The target exists and is not an empty directory.
    #[error("{} is not empty: `watchful new` only writes into a new or empty directory", .0.display())]
    NotEmpty(PathBuf),
    /// The target exists and is a file.
    #[error("{} exists and is not a directory", .0.display())]
    NotADirectory(PathBuf),
    /// The watchful directory is not one.
    #[error(
        "{} is not the watchful crate's directory (it has no Cargo.toml for a package named \
         `watchful`){hint}",
        path.display()
    )]
    NotWatchful {
        /// The directory.
        path: PathBuf,
        /// A suggestion, or nothing.
        hint: String,
    },
    /// The checkout this binary was built from has moved or been deleted.
    #[error(
        "the watchful checkout this binary was built from ({BUILT_FROM}) is gone; pass \
         --watchful-path or --watchful-version"
    )]
    CheckoutGone(#[source] io::Error),
    /// The version requirement has characters no requirement has.
    #[error("{0:?} is not a version requirement (such as `0.1` or `^0.1.2`)")]
    InvalidVersion(String),
    /// Reading the file system failed.
    #[error("cannot {action} {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// To what.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: io::Error,
    },
}

/// A project that was written.
#[derive(Debug)]
pub struct Created {
    /// The crate's name.
    pub name: String,
    /// How many files were written.
    pub files: usize,
}

/// Creates the project described by `options`.
pub fn new(options: &Options) -> Result<Created, NewError> {
    let name = match &options.name {
        Some(name) => name.clone(),
        None => directory_name(&options.path)?,
    };
    name::validate(&name, &template::dependency_names()).map_err(NewError::InvalidName)?;
    let dependency = match &options.watchful {
        None => Dependency::Path(watchful_dir(Path::new(BUILT_FROM), true)?),
        Some(WatchfulSource::Path(path)) => Dependency::Path(watchful_dir(path, false)?),
        Some(WatchfulSource::Version(req)) => Dependency::Version(version_req(req)?),
    };
    let created_dir = prepare_directory(&options.path)?;
    let files = template::render(&name, &dependency);
    if let Err(error) = write_files(&options.path, &files) {
        undo(&options.path, created_dir);
        return Err(error);
    }
    Ok(Created {
        name,
        files: files.len(),
    })
}

/// The name of the directory at `path`, which may not exist yet.
fn directory_name(path: &Path) -> Result<String, NewError> {
    let resolved = match path.canonicalize() {
        Ok(existing) => existing,
        Err(_) => path.to_owned(),
    };
    resolved
        .file_name()
        .and_then(|name| name.to_str())
        .map(str::to_owned)
        .ok_or_else(|| NewError::NoName(path.to_owned()))
}

/// `dir` as a canonical absolute path, after checking that it holds the watchful crate.
fn watchful_dir(dir: &Path, built_from: bool) -> Result<String, NewError> {
    let canonical = dir.canonicalize().map_err(|source| {
        if built_from {
            NewError::CheckoutGone(source)
        } else {
            NewError::Io {
                action: "find",
                path: dir.to_owned(),
                source,
            }
        }
    })?;
    let is_watchful = |dir: &Path| {
        fs::read_to_string(dir.join("Cargo.toml"))
            .is_ok_and(|manifest| manifest.lines().any(|line| line == r#"name = "watchful""#))
    };
    if !is_watchful(&canonical) {
        let framework = canonical.join("framework");
        let hint = if is_watchful(&framework) {
            format!("; did you mean {}?", framework.display())
        } else {
            String::new()
        };
        return Err(NewError::NotWatchful {
            path: dir.to_owned(),
            hint,
        });
    }
    Ok(canonical.to_string_lossy().into_owned())
}

/// `req`, if it looks like a cargo version requirement.
fn version_req(req: &str) -> Result<String, NewError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || " .*^~=<>,+-".contains(c);
    if req.trim().is_empty() || !req.chars().all(allowed) {
        return Err(NewError::InvalidVersion(req.to_owned()));
    }
    Ok(req.trim().to_owned())
}

/// Makes sure `path` is an empty directory, creating it if needed; says whether it did.
fn prepare_directory(path: &Path) -> Result<bool, NewError> {
    match fs::read_dir(path) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(NewError::NotEmpty(path.to_owned()));
            }
            Ok(false)
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(path).map_err(|source| NewError::Io {
                action: "create",
                path: path.to_owned(),
                source,
            })?;
            Ok(true)
        }
        Err(_) if path.exists() && !path.is_dir() => Err(NewError::NotADirectory(path.to_owned())),
        Err(source) => Err(NewError::Io {
            action: "read",
            path: path.to_owned(),
            source,
        }),
    }
}

fn write_files(root: &Path, files: &[template::File]) -> Result<(), NewError> {
    for file in files {
        let path = root.join(file.path);
        let io_error = |source| NewError::Io {
            action: "write",
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_error)?;
        }
        fs::write(&path, &file.contents).map_err(io_error)?;
    }
    Ok(())
}

/// Removes what a failed [`write_files`] wrote: the directory if it was created, else its
/// contents (it was empty). Best effort: the error that caused it is what gets reported.
fn undo(root: &Path, created_dir: bool) {
    if created_dir {
        let _ = fs::remove_dir_all(root);
        return;
    }
    if let Ok(entries) = fs::read_dir(root) {
        for entry in entries.flatten() {
            let path = entry.path();
            let _ = if path.is_dir() {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_names_the_project() {
        assert_eq!(
            directory_name(Path::new("/tmp/nowhere/hello")).unwrap(),
            "hello"
        );
        let here = std::env::current_dir().unwrap();
        let expected = here.file_name().unwrap().to_str().unwrap();
        assert_eq!(directory_name(Path::new(".")).unwrap(), expected);
        assert!(matches!(
            directory_name(Path::new("/")),
            Err(NewError::NoName(_))
        ));
    }

    #[test]
    fn the_checkout_this_was_built_from_has_watchful() {
        let dir = watchful_dir(Path::new(BUILT_FROM), true).unwrap();
        assert!(Path::new(&dir).is_absolute());
        assert!(!dir.contains(".."), "{dir}");
    }

    #[test]
    fn a_checkout_root_is_not_the_watchful_crate_but_the_error_says_where_it_is() {
        let root = Path::new(BUILT_FROM).join("..");
        let error = watchful_dir(&root, false).unwrap_err().to_string();
        assert!(
            error.contains("is not the watchful crate's directory"),
            "{error}"
        );
        assert!(error.ends_with("framework?"), "{error}");
    }

    #[test]
    fn version_requirements_are_checked_loosely() {
        for req in ["0.1", "^0.1.2", ">=0.1, <0.3", "=0.1.0-alpha.1"] {
            assert_eq!(version_req(req).unwrap(), req);
        }
        for req in ["", " ", "0.1\"", "0.1\n"] {
            assert!(version_req(req).is_err(), "{req:?}");
        }
    }
}
