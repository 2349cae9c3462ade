//! Path routing on `matchit`, then method dispatch; HEAD is served by GET routes.

use std::sync::Arc;

use http::{HeaderValue, Method};

/// The routes of an app, by path and then by method.
#[derive(Default)]
pub(crate) struct Router {
    paths: matchit::Router<usize>,
    entries: Vec<PathEntry>,
}

/// The routes registered for one path template.
struct PathEntry {
    /// Methods and the index of the route serving each.
    methods: Vec<(Method, usize)>,
    /// The route serving every other method: a mounted service.
    any: Option<usize>,
    /// The `Allow` header for a 405.
    allow: HeaderValue,
}

/// The routes of one path template, as `build()` hands them to the router.
pub(crate) struct PathRoutes {
    pub(crate) path: String,
    /// Methods and the index of the route serving each.
    pub(crate) methods: Vec<(Method, usize)>,
    /// The route serving every other method: a mounted service.
    pub(crate) any: Option<usize>,
}

/// What the router found for a request.
pub(crate) enum Match<'r, 'p> {
    Found {
        route: usize,
        params: matchit::Params<'r, 'p>,
    },
    MethodNotAllowed {
        allow: &'r HeaderValue,
    },
    NotFound,
}

impl Router {
    /// Builds the router; each path appears once with all of its methods. Returns matchit's
    /// complaint for a path it rejects.
    pub(crate) fn new(paths: Vec<PathRoutes>) -> Result<Self, Vec<(String, matchit::InsertError)>> {
        let mut router = Router::default();
        let mut rejected = Vec::new();
        for PathRoutes { path, methods, any } in paths {
            match router.paths.insert(path.clone(), router.entries.len()) {
                Ok(()) => {
                    let allow = allow_header(&methods);
                    router.entries.push(PathEntry {
                        methods,
                        any,
                        allow,
                    });
                }
                Err(error) => rejected.push((path, error)),
            }
        }
        if rejected.is_empty() {
            Ok(router)
        } else {
            Err(rejected)
        }
    }

    pub(crate) fn find<'r, 'p>(&'r self, method: &Method, path: &'p str) -> Match<'r, 'p> {
        let Ok(found) = self.paths.at(path) else {
            return Match::NotFound;
        };
        let entry = &self.entries[*found.value];
        let route = entry.methods.iter().find(|(m, _)| m == method).or_else(|| {
            (*method == Method::HEAD)
                .then(|| entry.methods.iter().find(|(m, _)| m == Method::GET))
                .flatten()
        });
        match route.map(|(_, route)| *route).or(entry.any) {
            Some(route) => Match::Found {
                route,
                params: found.params,
            },
            None => Match::MethodNotAllowed {
                allow: &entry.allow,
            },
        }
    }
}

/// The parameter names of a path template, in order, as matchit reads them: matchit matches the
/// template, its escapes undone (`{{` is a literal `{`), and names each parameter it binds.
/// Empty for a template matchit rejects (`build()` reports it).
pub(crate) fn param_names(template: &str) -> Vec<Arc<str>> {
    let mut router = matchit::Router::new();
    if router.insert(template, ()).is_err() {
        return Vec::new();
    }
    let path = template.replace("{{", "{").replace("}}", "}");
    match router.at(&path) {
        Ok(found) => found
            .params
            .iter()
            .map(|(name, _)| Arc::from(name))
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn allow_header(methods: &[(Method, usize)]) -> HeaderValue {
    let mut names: Vec<&str> = methods.iter().map(|(m, _)| m.as_str()).collect();
    if names.contains(&"GET") && !names.contains(&"HEAD") {
        names.push("HEAD");
    }
    HeaderValue::from_str(&names.join(", ")).expect("method names are valid header characters")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let path = |path: &str, methods, any| PathRoutes {
            path: path.to_owned(),
            methods,
            any,
        };
        Router::new(vec![
            path(
                "/users/{id}",
                vec![(Method::GET, 0), (Method::DELETE, 1)],
                None,
            ),
            path("/files/{*rest}", vec![(Method::POST, 2)], None),
            path("/static/{*rest}", vec![(Method::GET, 3)], Some(4)),
        ])
        .unwrap_or_else(|_| panic!("valid routes"))
    }

    #[test]
    fn dispatches_on_path_then_method() {
        let router = router();
        assert!(matches!(
            router.find(&Method::DELETE, "/users/7"),
            Match::Found { route: 1, .. }
        ));
        assert!(matches!(
            router.find(&Method::HEAD, "/users/7"),
            Match::Found { route: 0, .. }
        ));
        match router.find(&Method::POST, "/files/a/b") {
            Match::Found { route: 2, params } => assert_eq!(params.get("rest"), Some("a/b")),
            _ => panic!("expected the files route"),
        }
        match router.find(&Method::PUT, "/users/7") {
            Match::MethodNotAllowed { allow } => assert_eq!(allow, "GET, DELETE, HEAD"),
            _ => panic!("expected a 405"),
        }
        assert!(matches!(
            router.find(&Method::GET, "/nowhere"),
            Match::NotFound
        ));
        // A mounted service takes every method its path's routes do not.
        assert!(matches!(
            router.find(&Method::GET, "/static/a"),
            Match::Found { route: 3, .. }
        ));
        assert!(matches!(
            router.find(&Method::PATCH, "/static/a"),
            Match::Found { route: 4, .. }
        ));
    }

    #[test]
    fn parameter_names_come_from_matchit() {
        let table: &[(&str, &[&str])] = &[
            ("/plain", &[]),
            ("/users/{id}", &["id"]),
            ("/users/{id}/files/{*rest}", &["id", "rest"]),
            ("/a/{{x}}/{id}", &["id"]),
            ("/a/{{{{x}}}}/{id}", &["id"]),
            ("/{a}/{b}/{c}", &["a", "b", "c"]),
            ("/broken/{x", &[]),
        ];
        for (template, expected) in table {
            let names = param_names(template);
            let names: Vec<&str> = names.iter().map(|n| &**n).collect();
            assert_eq!(names, *expected, "{template}");
        }
    }
}
