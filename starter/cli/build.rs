//! Embeds the starter template: generates `$OUT_DIR/template.rs`, which lists every file of
//! `../template` (but `target/` and `Cargo.lock`) with its contents, `include_str!`-ed. The
//! binary then needs nothing from this checkout at run time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let template = manifest_dir
        .join("../template")
        .canonicalize()
        .expect("the starter template is next to the CLI");
    // A directory is scanned for changes recursively.
    println!("cargo:rerun-if-changed={}", template.display());

    let mut files = Vec::new();
    collect(&template, &template, &mut files);
    files.sort();

    let mut code = String::from(
        "/// Every file of the starter template: its path relative to the template's root \
         (with `/`), and its contents.\n\
         pub const FILES: &[(&str, &str)] = &[\n",
    );
    for (relative, absolute) in &files {
        let contents = fs::read(absolute).expect("a template file is readable");
        if String::from_utf8(contents).is_err() {
            panic!("template file {} is not UTF-8 text", absolute.display());
        }
        writeln!(
            code,
            "    ({relative:?}, include_str!({:?})),",
            absolute.display()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo")).join("template.rs");
    fs::write(out, code).expect("OUT_DIR is writable");
}

/// Adds every file under `dir` to `files`, as (path relative to `root` with `/`, path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().expect("entries have names");
        if name == "target" || name == "Cargo.lock" {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let relative = path.strip_prefix(root).expect("under the root");
            let relative: Vec<_> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push((relative.join("/"), path));
        }
    }
}
