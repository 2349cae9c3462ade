//! The blueprint's side of the OpenAPI document (feature `openapi`): its title, its tags, the
//! route that serves it, and how `build()` assembles it from each route's plan.

use std::any::TypeId;

use http::Method;

use super::graph::Graph;
use super::planner::Documented;
use super::report::{BuildWarning, WarningKind};
use super::{Blueprint, Registration};
use crate::component::{AnyComponent, Route};
use crate::openapi::document::{ErrorAnswer, ErrorSource, Generated, OperationSource, generate};
use crate::openapi::{Info, OpenApiDocument, SERVE_OPENAPI};
use crate::plan::RouteSettings;
use crate::request::RequestBody;

/// What the document takes from one blueprint.
#[derive(Default)]
pub(crate) struct Settings {
    pub(crate) info: Option<Info>,
    /// The tag of its operations and those of its nested blueprints that set none.
    pub(crate) tag: Option<String>,
    /// The document its `openapi_route` serves, filled by `build()`.
    pub(crate) served: Option<OpenApiDocument>,
    /// Set by `openapi_warn_missing_schemas`.
    pub(crate) warn_missing_schemas: bool,
}

impl Blueprint {
    /// The document's title, version and description. The first blueprint that sets it,
    /// the root first, gives the document its `info`; without it, the title is `API`.
    pub fn openapi_info(&mut self, info: Info) {
        self.openapi.info = Some(info);
    }

    /// Tags the operations of this blueprint's routes, and of its nested blueprints that set
    /// no tag of their own, with `tag`: OpenAPI tools group operations by tag.
    pub fn openapi_tag(&mut self, tag: impl Into<String>) {
        self.openapi.tag = Some(tag.into());
    }

    /// Makes `build()` and `check()` warn about each type the document describes without a
    /// schema (see [`App::openapi_missing_schemas`](crate::App::openapi_missing_schemas)),
    /// naming the first route that needs it. Any blueprint of the app can turn it on.
    pub fn openapi_warn_missing_schemas(&mut self) {
        self.openapi.warn_missing_schemas = true;
    }

    /// Serves the app's OpenAPI document as JSON on `GET {path}` (prefixes included when
    /// nested). The document is the one [`App::openapi`](crate::App::openapi) returns; the
    /// route itself is not in it.
    ///
    /// ```
    /// use watchful::{Blueprint, get};
    ///
    /// /// Says hello.
    /// #[get("/hello")]
    /// pub fn hello() -> &'static str {
    ///     "Hello!"
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut bp = Blueprint::new();
    /// bp.route(HELLO);
    /// bp.openapi_route("/openapi.json");
    /// let app = bp.build().await.unwrap();
    ///
    /// let client = watchful::testing::TestClient::new(app);
    /// let document: serde_json::Value = client.get("/openapi.json").send().await.json().unwrap();
    /// assert_eq!(document["paths"]["/hello"]["get"]["summary"], "Says hello.");
    /// # }
    /// ```
    #[track_caller]
    pub fn openapi_route(&mut self, path: &str) -> Registration<'_, Route> {
        if self.openapi.served.is_none() {
            let document = OpenApiDocument::default();
            self.openapi.served = Some(document.clone());
            self.prebuilt(document);
        }
        // A route's path is `&'static str`, as the attribute macros write it. Leaking the
        // path, a few bytes once per registration at start-up, keeps it so.
        let path: &'static str = Box::leak(path.to_owned().into_boxed_str());
        self.route(Route {
            path,
            ..SERVE_OPENAPI
        })
    }

    /// The first `info` set, the root first, depth-first.
    fn openapi_info_set(&self) -> Option<&Info> {
        self.openapi.info.as_ref().or_else(|| {
            self.nested
                .iter()
                .find_map(|nested| nested.blueprint.openapi_info_set())
        })
    }

    /// Whether this blueprint or a nested one asks for warnings about missing schemas.
    fn warns_missing_schemas(&self) -> bool {
        self.openapi.warn_missing_schemas
            || self
                .nested
                .iter()
                .any(|nested| nested.blueprint.warns_missing_schemas())
    }

    /// The document of `operations`, and the warnings about it the blueprint asks for.
    pub(super) fn openapi_document(
        &self,
        graph: &Graph,
        operations: &[OperationSource],
    ) -> (Generated, Vec<BuildWarning>) {
        let info = self.openapi_info_set().cloned().unwrap_or_default();
        let generated = generate(&info, operations);
        let warnings = match self.warns_missing_schemas() {
            true => generated
                .missing_schemas
                .iter()
                .map(|(name, operation)| {
                    let operation = &operations[*operation];
                    let route = graph.nodes[operation.node].describe();
                    let message = format!(
                        "the OpenAPI document describes `{name}` without a schema: it does not derive `JsonSchema`. `{} {}` ({route}) is the first route that takes or returns it.",
                        operation.method, operation.path
                    );
                    BuildWarning::new(WarningKind::MissingSchema, [route], message)
                })
                .collect(),
            false => Vec::new(),
        };
        (generated, warnings)
    }

    /// Hands the document to every `openapi_route` of this blueprint and its nested ones.
    pub(super) fn serve_openapi(&self, document: &serde_json::Value) {
        if let Some(served) = &self.openapi.served {
            served.fill(document);
        }
        for nested in &self.nested {
            nested.blueprint.serve_openapi(document);
        }
    }
}

/// The operation of the route `node` served on `path`, from what planning it found; `None`
/// for the route that serves the document.
pub(super) fn operation(
    graph: &Graph,
    node: usize,
    path: &str,
    settings: &RouteSettings,
    documented: Documented,
) -> Option<OperationSource> {
    let AnyComponent::Route(route) = &graph.nodes[node].kind else {
        return None;
    };
    if route.meta.name() == SERVE_OPENAPI.meta.name() {
        return None;
    }
    let method = Method::from_bytes(route.method.as_bytes()).ok()?;

    let mut seen: Vec<TypeId> = Vec::new();
    let mut inputs = Vec::new();
    let mut reads_body = false;
    for &component in &documented.components {
        for input in &graph.nodes[component].sig.inputs {
            reads_body |= input.ty.id == TypeId::of::<RequestBody>();
            if let Some(describe) = input.doc
                && !seen.contains(&input.ty.id)
            {
                seen.push(input.ty.id);
                inputs.push(describe);
            }
        }
    }

    let has_params = path.contains('{');
    let errors = documented
        .errors
        .into_iter()
        .filter(|raised| {
            // The framework's own errors, where they can occur on this route.
            let id = raised.error.id;
            if id == TypeId::of::<crate::error::RequestTimeout>() {
                settings.timeout.is_some()
            } else if id == TypeId::of::<crate::error::RequestBodyTimeout>() {
                reads_body && settings.body_timeout.is_some()
            } else if id == TypeId::of::<crate::error::InvalidPathParameter>() {
                has_params
            } else {
                true
            }
        })
        .map(|raised| ErrorSource {
            error: raised.error,
            answer: match raised.handler {
                Some(handler) => match &graph.nodes[handler].kind {
                    AnyComponent::ErrorHandler(handler) => ErrorAnswer::Handler {
                        name: handler.meta.name(),
                        responses: handler.responses,
                    },
                    _ => ErrorAnswer::Builtin(raised.builtin),
                },
                None => ErrorAnswer::Builtin(raised.builtin),
            },
        })
        .collect();

    let scope = graph.nodes[node].scope;
    Some(OperationSource {
        method,
        path: path.to_owned(),
        handler: route.meta.name(),
        node,
        doc: route.doc.map(|doc| doc()),
        inputs,
        errors,
        error_format: settings.error_format,
        tags: graph.scopes[scope].openapi_tag.iter().cloned().collect(),
    })
}
