//! Type names as users write them: [`std::any::type_name`] gives the path of the module a type
//! is defined in (`watchful::extract::path::PathParams`), but watchful's modules below the
//! public ones are private; users know the re-export (`watchful::extract::PathParams`).
//!
//! Every message and telemetry field that names a type goes through [`public`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::sync::lock;

/// watchful's private modules, each with the public module that re-exports its items.
const PRIVATE_MODULES: &[(&str, &str)] = &[
    ("watchful::app::", "watchful::"),
    ("watchful::blueprint::report::", "watchful::blueprint::"),
    // `Next` and `Processing`, the only public items of the adapters' module.
    ("watchful::component::adapter::", "watchful::middleware::"),
    ("watchful::component::any::", "watchful::component::"),
    (
        "watchful::component::constructor::",
        "watchful::component::",
    ),
    (
        "watchful::component::error_handler::",
        "watchful::component::",
    ),
    (
        "watchful::component::error_observer::",
        "watchful::component::",
    ),
    ("watchful::component::docs::", "watchful::component::"),
    ("watchful::component::extractor::", "watchful::component::"),
    ("watchful::component::fallback::", "watchful::component::"),
    ("watchful::component::guard::", "watchful::component::"),
    ("watchful::component::meta::", "watchful::component::"),
    (
        "watchful::component::post_process::",
        "watchful::component::",
    ),
    (
        "watchful::component::pre_process::",
        "watchful::component::",
    ),
    ("watchful::component::route::", "watchful::component::"),
    ("watchful::component::wrap::", "watchful::component::"),
    ("watchful::extract::body::", "watchful::extract::"),
    ("watchful::extract::cookies::", "watchful::extract::"),
    ("watchful::extract::form::", "watchful::extract::"),
    ("watchful::extract::header::", "watchful::extract::"),
    ("watchful::extract::json::", "watchful::extract::"),
    ("watchful::extract::path::", "watchful::extract::"),
    ("watchful::extract::path_de::", "watchful::extract::"),
    ("watchful::extract::query::", "watchful::extract::"),
    ("watchful::extract::text::", "watchful::extract::"),
    ("watchful::openapi::component_docs::", "watchful::openapi::"),
    ("watchful::openapi::describe::", "watchful::openapi::"),
    ("watchful::openapi::document::", "watchful::openapi::"),
    ("watchful::openapi::info::", "watchful::openapi::"),
    ("watchful::openapi::probe::", "watchful::openapi::"),
    ("watchful::openapi::serve::", "watchful::openapi::"),
    ("watchful::response::body::", "watchful::response::"),
    ("watchful::response::builder::", "watchful::response::"),
    ("watchful::response::cookies::", "watchful::response::"),
    ("watchful::response::failure::", "watchful::response::"),
    (
        "watchful::response::into_response::",
        "watchful::response::",
    ),
    ("watchful::response::problem::", "watchful::response::"),
    // Public: its path is the one users know.
    ("watchful::response::sse::", "watchful::response::sse::"),
    ("watchful::response::types::", "watchful::response::"),
    ("watchful::testing::capture::", "watchful::testing::"),
    ("watchful::ws::session::", "watchful::ws::"),
    ("watchful::ws::socket::", "watchful::ws::"),
    ("watchful::ws::upgrade::", "watchful::ws::"),
];

/// `name` with every path into a private module of watchful replaced by its public
/// re-export, generic arguments included: `watchful::extract::path::PathParams<app::Id>`
/// becomes `watchful::extract::PathParams<app::Id>`. Other names are returned as they are.
pub(crate) fn public(name: &str) -> Cow<'_, str> {
    if !name.contains("watchful::") {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while !rest.is_empty() {
        // A path starts where the previous character cannot continue one.
        let at_path_start = !out.ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
        let private = PRIVATE_MODULES
            .iter()
            .find(|(private, _)| at_path_start && rest.starts_with(private));
        match private {
            Some((private, public)) => {
                out.push_str(public);
                rest = &rest[private.len()..];
            }
            None => {
                let next = rest.chars().next().map_or(1, char::len_utf8);
                out.push_str(&rest[..next]);
                rest = &rest[next..];
            }
        }
    }
    if out == name {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(out)
    }
}

/// [`public`] for a `'static` name, such as [`std::any::type_name`]'s, where a `'static` name
/// is needed (`error.type`). A renamed type's public name is computed once and kept for the
/// life of the process: there are as many as there are such types in the program.
pub(crate) fn public_static(name: &'static str) -> &'static str {
    static RENAMED: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let Cow::Owned(renamed) = public(name) else {
        return name;
    };
    let mut cache = lock(RENAMED.get_or_init(Mutex::default));
    cache
        .entry(name)
        .or_insert_with(|| Box::leak(renamed.into_boxed_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_paths_become_public_ones_and_others_stay() {
        let table = [
            // One type of every private module with public items.
            ("watchful::app::App", "watchful::App"),
            (
                "watchful::blueprint::report::BuildError",
                "watchful::blueprint::BuildError",
            ),
            (
                "watchful::extract::body::BufferedBody",
                "watchful::extract::BufferedBody",
            ),
            (
                "watchful::extract::cookies::RequestCookies",
                "watchful::extract::RequestCookies",
            ),
            (
                "watchful::extract::form::UrlEncodedBodyError",
                "watchful::extract::UrlEncodedBodyError",
            ),
            (
                "watchful::extract::header::HeaderError",
                "watchful::extract::HeaderError",
            ),
            (
                "watchful::extract::json::JsonBodyError",
                "watchful::extract::JsonBodyError",
            ),
            (
                "watchful::extract::path::PathParams<app::Id>",
                "watchful::extract::PathParams<app::Id>",
            ),
            (
                "watchful::extract::query::QueryParamsError",
                "watchful::extract::QueryParamsError",
            ),
            ("watchful::response::body::Body", "watchful::response::Body"),
            (
                "watchful::response::builder::ResponseBuilder",
                "watchful::response::ResponseBuilder",
            ),
            (
                "watchful::response::cookies::ResponseCookies",
                "watchful::response::ResponseCookies",
            ),
            (
                "watchful::response::failure::JsonResponseError",
                "watchful::response::JsonResponseError",
            ),
            (
                "watchful::response::types::Json<alloc::vec::Vec<app::Note>>",
                "watchful::response::Json<alloc::vec::Vec<app::Note>>",
            ),
            (
                "watchful::testing::capture::CapturedEvent",
                "watchful::testing::CapturedEvent",
            ),
            // Public modules: `request` and `error` are files, their paths are public already.
            (
                "watchful::request::RequestHead",
                "watchful::request::RequestHead",
            ),
            ("watchful::error::Panic", "watchful::error::Panic"),
            (
                "watchful::extract::BodySizeLimit",
                "watchful::extract::BodySizeLimit",
            ),
            // Generics, nested, several private paths in one name.
            (
                "core::option::Option<watchful::extract::path::PathParams<(u32, watchful::extract::json::JsonBody<app::New>)>>",
                "core::option::Option<watchful::extract::PathParams<(u32, watchful::extract::JsonBody<app::New>)>>",
            ),
            (
                "&watchful::extract::header::Header<h::Host>",
                "&watchful::extract::Header<h::Host>",
            ),
            // Not watchful's: unchanged, even when a path ends like one of watchful's.
            ("std::io::error::Error", "std::io::error::Error"),
            (
                "app::watchful::extract::json::Mine",
                "app::watchful::extract::json::Mine",
            ),
            ("my_watchful::app::App", "my_watchful::app::App"),
        ];
        for (private, expected) in table {
            assert_eq!(public(private), expected, "{private}");
            assert_eq!(public(expected), expected, "idempotent: {expected}");
        }
    }

    #[test]
    fn every_private_module_of_a_public_module_is_in_the_table() {
        let src = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        for parent in ["component", "extract", "openapi", "response", "ws"] {
            let entries = std::fs::read_dir(format!("{src}/{parent}")).expect("the source tree");
            for entry in entries {
                let file = entry.expect("an entry").file_name();
                let file = file.to_string_lossy();
                let Some(module) = file.strip_suffix(".rs") else {
                    continue;
                };
                if module == "mod" || module == "tests" {
                    continue;
                }
                let private = format!("watchful::{parent}::{module}::");
                assert!(
                    PRIVATE_MODULES.iter().any(|(p, _)| *p == private),
                    "{private} is missing from PRIVATE_MODULES"
                );
            }
        }
    }

    #[test]
    fn a_static_public_name_is_computed_once() {
        let name = std::any::type_name::<crate::extract::JsonBodyError>();
        let first = public_static(name);
        assert_eq!(first, "watchful::extract::JsonBodyError");
        assert!(std::ptr::eq(first, public_static(name)));
        let untouched = "std::io::error::Error";
        assert!(std::ptr::eq(public_static(untouched), untouched));
    }
}
