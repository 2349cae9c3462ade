//! Path routing on `matchit`, then method dispatch; HEAD is served by GET routes.

use std::sync::Arc;

use http::{HeaderValue, Method};

/// The routes of an app, by path and then by method.
#[derive(Default)]
pub(crate) struct Router {
    paths: matchit::Router<usize>,
    /// Consulted before `paths`.
    exact: ExactPaths,
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
        params: PathParams<'r, 'p>,
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
        let mut templates = Vec::new();
        for PathRoutes { path, methods, any } in paths {
            match router.paths.insert(path.clone(), router.entries.len()) {
                Ok(()) => {
                    let allow = allow_header(&methods);
                    templates.push(path);
                    router.entries.push(PathEntry {
                        methods,
                        any,
                        allow,
                    });
                }
                Err(error) => rejected.push((path, error)),
            }
        }
        if !rejected.is_empty() {
            return Err(rejected);
        }
        for (entry, template) in templates.iter().enumerate() {
            let path = unescape(template);
            let exact = matches!(
                router.paths.at(&path),
                Ok(found) if *found.value == entry && found.params.is_empty()
            );
            if exact {
                router.exact.insert(path, entry);
            }
        }
        Ok(router)
    }

    pub(crate) fn find<'r, 'p>(&'r self, method: &Method, path: &'p str) -> Match<'r, 'p> {
        // Each branch makes its match itself: matchit's parameters, over a hundred bytes, are
        // moved once rather than through a variable the two branches share.
        if let Some(entry) = self.exact.get(path) {
            return self.entries[entry].serve(method, || PathParams {
                matched: None,
                path_len: path.len(),
            });
        }
        let Ok(found) = self.paths.at(path) else {
            return Match::NotFound;
        };
        self.entries[*found.value].serve(method, || PathParams {
            matched: Some(found.params),
            path_len: path.len(),
        })
    }
}

impl PathEntry {
    /// The route serving `method` on this path, with the path's parameters, or a 405.
    fn serve<'r, 'p>(
        &'r self,
        method: &Method,
        params: impl FnOnce() -> PathParams<'r, 'p>,
    ) -> Match<'r, 'p> {
        let route = self.methods.iter().find(|(m, _)| m == method).or_else(|| {
            (*method == Method::HEAD)
                .then(|| self.methods.iter().find(|(m, _)| m == Method::GET))
                .flatten()
        });
        match route.map(|(_, route)| *route).or(self.any) {
            Some(route) => Match::Found {
                route,
                params: params(),
            },
            None => Match::MethodNotAllowed { allow: &self.allow },
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
    match router.at(&unescape(template)) {
        Ok(found) => found
            .params
            .iter()
            .map(|(name, _)| Arc::from(name))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The path a template's literal text matches: its escapes undone (`{{` is a literal `{`).
fn unescape(template: &str) -> String {
    template.replace("{{", "{").replace("}}", "}")
}

/// The paths that match a template without parameters, and that template's entry: looked up
/// before matchit, as comparing a path with the few of the same length costs less than
/// walking matchit's tree, and a path of a length none has, as most with parameters, costs a
/// bounds check. The router adds only the paths for which matchit answers the same entry with no
/// parameters (checked when it is built), so that matchit's precedence is kept as it is.
#[derive(Default)]
struct ExactPaths {
    /// The paths by length (every length from [`Self::LONG`] up shares the last list), each
    /// list sorted.
    by_length: Vec<Vec<(Box<str>, usize)>>,
}

impl ExactPaths {
    /// The length from which paths share a list, so that one long path costs no long table.
    const LONG: usize = 64;

    fn insert(&mut self, path: String, entry: usize) {
        let length = path.len().min(Self::LONG);
        if self.by_length.len() <= length {
            self.by_length.resize_with(length + 1, Vec::new);
        }
        let same_length = &mut self.by_length[length];
        let at = same_length.partition_point(|(other, _)| **other < *path);
        same_length.insert(at, (path.into_boxed_str(), entry));
    }

    fn get(&self, path: &str) -> Option<usize> {
        let same_length = self.by_length.get(path.len().min(Self::LONG))?;
        let found = same_length.binary_search_by(|(exact, _)| (**exact).cmp(path));
        found.ok().map(|index| same_length[index].1)
    }

    /// Every path in the table.
    #[cfg(test)]
    fn paths(&self) -> impl Iterator<Item = &str> {
        self.by_length.iter().flatten().map(|(path, _)| &**path)
    }
}

/// The values a request's path gives its route's parameters, in the order of the template.
pub(crate) struct PathParams<'r, 'p> {
    /// What matchit found; `None` for a path found in the table of exact paths.
    matched: Option<matchit::Params<'r, 'p>>,
    /// The length of the path the values are slices of, which bounds their total length.
    path_len: usize,
}

impl<'r, 'p> PathParams<'r, 'p> {
    /// Each parameter's name and value.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'r str, &'p str)> {
        self.matched.iter().flat_map(matchit::Params::iter)
    }

    /// How many parameters the path binds.
    pub(crate) fn len(&self) -> usize {
        self.matched.as_ref().map_or(0, matchit::Params::len)
    }

    /// Whether the path binds no parameter.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// At least the total length of the values: the length of the path they are part of.
    pub(crate) fn values_len_bound(&self) -> usize {
        self.path_len
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
            Match::Found { route: 2, params } => {
                assert_eq!(params.iter().collect::<Vec<_>>(), [("rest", "a/b")]);
            }
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

    const LONG_A: &str =
        "/long/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const LONG_B: &str =
        "/long/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn the_table_of_exact_paths_agrees_with_matchit() {
        let templates = [
            "/",
            "/plaintext",
            "/users/new",
            "/users/{id}",
            "/users/{id}/posts/{post}",
            "/files/readme",
            "/files/{*rest}",
            "/a/{{x}}",
            "/a/{id}",
            "/b/{{{{}}}}",
            "/trailing/",
            "/CAPS",
            // Longer than `ExactPaths::LONG`, sharing its list.
            LONG_A,
            LONG_B,
            "/long/{x}",
        ];
        let paths = [
            "/",
            "",
            "/plaintext",
            "/plaintext/",
            "/Plaintext",
            "/users/new",
            "/users/newer",
            "/users/new/",
            "/users/%6Eew",
            "/users/7",
            "/users/7/posts/8",
            "/users/new/posts/8",
            "/files/readme",
            "/files/readme/more",
            "/files/other",
            "/a/{x}",
            "/a/{{x}}",
            "/a/x",
            "/b/{{}}",
            "/b/{}",
            "/trailing/",
            "/trailing",
            "/CAPS",
            "/caps",
            "/nowhere",
            LONG_A,
            LONG_B,
            "/long/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            "/long/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ];
        let mut reference = matchit::Router::new();
        let mut routes = Vec::new();
        for (index, template) in templates.into_iter().enumerate() {
            reference.insert(template, index).unwrap();
            routes.push(PathRoutes {
                path: template.to_owned(),
                methods: vec![(Method::GET, index)],
                any: None,
            });
        }
        let router = Router::new(routes).unwrap_or_else(|_| panic!("valid routes"));
        let mut exact: Vec<&str> = router.exact.paths().collect();
        exact.sort_unstable();
        let static_paths = [
            "/",
            "/CAPS",
            "/a/{x}",
            "/b/{{}}",
            "/files/readme",
            LONG_A,
            LONG_B,
            "/plaintext",
            "/trailing/",
            "/users/new",
        ];
        assert_eq!(exact, static_paths, "the templates without parameters");
        for path in paths {
            let expected = reference.at(path).ok().map(|found| {
                let params: Vec<_> = found.params.iter().collect();
                (*found.value, params)
            });
            let got = match router.find(&Method::GET, path) {
                Match::Found { route, params } => Some((route, params.iter().collect())),
                Match::NotFound => None,
                Match::MethodNotAllowed { .. } => panic!("every route serves GET"),
            };
            assert_eq!(got, expected, "{path:?}");
        }
    }

    #[test]
    fn exact_paths_are_dispatched_by_method_too() {
        let routes = vec![PathRoutes {
            path: "/plain".to_owned(),
            methods: vec![(Method::GET, 0), (Method::POST, 1)],
            any: None,
        }];
        let router = Router::new(routes).unwrap_or_else(|_| panic!("valid routes"));
        assert!(matches!(
            router.find(&Method::POST, "/plain"),
            Match::Found { route: 1, .. }
        ));
        assert!(matches!(
            router.find(&Method::HEAD, "/plain"),
            Match::Found { route: 0, .. }
        ));
        match router.find(&Method::PUT, "/plain") {
            Match::MethodNotAllowed { allow } => assert_eq!(allow, "GET, POST, HEAD"),
            _ => panic!("expected a 405"),
        }
    }
}
