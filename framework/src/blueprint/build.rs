//! [`Blueprint::check`] and [`Blueprint::build`]: run every check and plan every route; then,
//! for `build()` only, build the singletons.

use std::any::TypeId;
use std::collections::HashSet;

use http::Method;

use super::graph::{Graph, Provider, SingletonSource};
use super::planner::{Target, plan_route};
use super::report::{BuildProblem, InvolvedComponent, ProblemKind, not_clone};
use super::route_conflict::route_conflict;
use super::{Blueprint, BuildError, BuildWarning};
use crate::app::App;
use crate::component::AnyComponent;
use crate::di::{Args, Slot};
use crate::pipeline::Runtime;
use crate::plan::{Access, InputPlan, RoutePlan, RouteSettings, Source};
use crate::router::{PathRoutes, Router, param_names};
use crate::tower::REST;

/// A blueprint that passed every check: its graph and plans, ready for the singletons.
struct Validated {
    graph: Graph,
    router: Router,
    routes: Routes,
    fallbacks: Vec<(String, usize)>,
    root_fallback: usize,
    singleton_plans: Vec<(usize, usize, Vec<InputPlan>)>,
    #[cfg(feature = "openapi")]
    openapi: crate::openapi::document::Generated,
}

impl Blueprint {
    /// Runs every check [`build`](Blueprint::build) runs, and returns its warnings, without
    /// building anything: no constructor runs, prebuilt values are left alone. Call it in a
    /// test to get these checks in CI without opening a database or reading a secret.
    ///
    /// `build()` fails with exactly these problems, or, when there are none, with a failing
    /// singleton constructor's error; its app's [`App::warnings`] are these warnings.
    pub fn check(&self) -> Result<Vec<BuildWarning>, BuildError> {
        self.validate().map(|validated| validated.routes.warnings)
    }

    /// Validates the blueprint, builds its singletons and precomputes a plan per route.
    ///
    /// Every problem is reported at once in [`BuildError::Invalid`], each naming the
    /// components involved as `module::path::function`, where they are defined and where they
    /// were registered; [the module docs](crate::blueprint#what-build-checks) list the checks.
    /// Warnings (see [`App::warnings`]) do not stop the build; [`check`](Blueprint::check) runs
    /// the same checks without building anything. When every check passes, the
    /// singleton constructors run, each after those it depends on; the first that fails
    /// stops the build with [`BuildError::Singleton`]. Call it in a test to get these checks
    /// in CI.
    ///
    /// ```
    /// use watchful::{Blueprint, BuildError, get, singleton};
    ///
    /// pub struct Pool;
    ///
    /// #[singleton]
    /// pub fn pool() -> Result<Pool, std::io::Error> {
    ///     Err(std::io::Error::other("the database is unreachable"))
    /// }
    ///
    /// #[get("/")]
    /// pub fn home(_pool: &Pool) -> &'static str {
    ///     "home"
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let mut bp = Blueprint::new();
    /// bp.route(HOME);
    /// assert!(matches!(bp.build().await, Err(BuildError::Invalid { .. }))); // `Pool`: no constructor
    ///
    /// let mut bp = Blueprint::new();
    /// bp.constructor(POOL);
    /// bp.route(HOME);
    /// assert!(matches!(bp.build().await, Err(BuildError::Singleton { .. })));
    /// # }
    /// ```
    pub async fn build(self) -> Result<App, BuildError> {
        let Validated {
            graph,
            router,
            routes,
            fallbacks,
            root_fallback,
            singleton_plans,
            #[cfg(feature = "openapi")]
            openapi,
        } = self.validate()?;

        #[cfg(feature = "openapi")]
        self.serve_openapi(&openapi.document);
        let mut prebuilt = Vec::new();
        self.take_prebuilt(&mut prebuilt);
        let mut prebuilt = prebuilt.into_iter().map(Some).collect::<Vec<_>>();
        let mut singletons: Vec<Slot> = graph
            .singletons
            .iter()
            .map(|source| match source {
                SingletonSource::Prebuilt(index) => prebuilt[*index].take(),
                SingletonSource::Constructor(_) => None,
            })
            .map(|value| value.unwrap_or_else(|| Box::new(())))
            .collect();
        for (node, index, inputs) in singleton_plans {
            let AnyComponent::Constructor(constructor) = &graph.nodes[node].kind else {
                continue;
            };
            let args = Args::for_singleton(&singletons, &inputs);
            match (constructor.call)(args).finish().await {
                Ok(value) => singletons[index] = value,
                Err(error) => {
                    return Err(BuildError::Singleton {
                        constructor: graph.nodes[node].describe().to_string(),
                        source: error.into_error(),
                    });
                }
            }
        }

        let runtime = Runtime::new(routes.plans, singletons);
        Ok(App::new(
            router,
            runtime,
            fallbacks,
            root_fallback,
            routes.warnings,
            #[cfg(feature = "openapi")]
            openapi,
        ))
    }

    /// Every check: the graph's, then each route's, fallback's and singleton's plan.
    fn validate(&self) -> Result<Validated, BuildError> {
        let mut problems = Vec::new();
        let graph = Graph::new(self, &mut problems);
        let mut routes = Routes::default();
        let router = plan_routes(&graph, &mut routes, &mut problems);
        let (fallbacks, root_fallback) = plan_fallbacks(&graph, &mut routes, &mut problems);
        let singleton_plans = plan_singletons(&graph, &mut problems);
        routes
            .warnings
            .extend(graph.unused_handlers(&routes.raised));
        #[cfg(feature = "openapi")]
        let openapi = {
            let (generated, warnings) = self.openapi_document(&graph, &routes.operations);
            routes.warnings.extend(warnings);
            generated
        };

        // Routes sharing a component report its problems once.
        let mut unique: Vec<BuildProblem> = Vec::with_capacity(problems.len());
        for problem in problems {
            if !unique.contains(&problem) {
                unique.push(problem);
            }
        }
        if !unique.is_empty() {
            return Err(BuildError::Invalid { problems: unique });
        }
        Ok(Validated {
            graph,
            router,
            routes,
            fallbacks,
            root_fallback,
            singleton_plans,
            #[cfg(feature = "openapi")]
            openapi,
        })
    }

    /// Moves the prebuilt values out, depth-first, in the order the graph numbered them.
    fn take_prebuilt(self, values: &mut Vec<Slot>) {
        values.extend(self.prebuilt.into_iter().map(|prebuilt| prebuilt.value));
        for nested in self.nested {
            nested.blueprint.take_prebuilt(values);
        }
    }
}

/// The plans of routes and fallbacks, the warnings planning them gave, and the error types
/// each can raise, by the scope it is served in.
#[derive(Default)]
struct Routes {
    plans: Vec<RoutePlan>,
    warnings: Vec<BuildWarning>,
    raised: HashSet<(usize, TypeId)>,
    /// The routes' OpenAPI operations, in registration order.
    #[cfg(feature = "openapi")]
    operations: Vec<crate::openapi::document::OperationSource>,
}

impl Routes {
    /// Plans the route or fallback `node`, served on the routes of `scope`; returns its index.
    fn plan(
        &mut self,
        graph: &Graph,
        node: usize,
        scope: usize,
        path: Option<&str>,
        label: &str,
        problems: &mut Vec<BuildProblem>,
    ) -> usize {
        self.plan_target(graph, Target::Node(node), scope, path, label, problems)
    }

    /// Plans `target`, served on the routes of `scope`; returns its index.
    fn plan_target(
        &mut self,
        graph: &Graph,
        target: Target,
        scope: usize,
        path: Option<&str>,
        label: &str,
        problems: &mut Vec<BuildProblem>,
    ) -> usize {
        let (body_limit, body_read_timeout) = match &target {
            Target::Node(node) => (
                graph.nodes[*node].body_size_limit,
                graph.nodes[*node].body_read_timeout,
            ),
            Target::Service(_) => (None, None),
        };
        #[cfg(feature = "openapi")]
        let route_node = match &target {
            Target::Node(node) => Some(*node),
            Target::Service(_) => None,
        };
        let param_names = path.map(param_names).unwrap_or_default();
        let params: Vec<&str> = param_names.iter().map(|name| &**name).collect();
        let planned = plan_route(graph, target, scope, label, &params);
        problems.extend(planned.problems);
        self.raised
            .extend(planned.raised.into_iter().map(|error| (scope, error)));
        let deny = graph.scopes[scope].deny_error_fallback;
        for warning in planned.fallbacks {
            if deny {
                problems.push(warning.deny(
                    ProblemKind::MissingErrorHandler,
                    "(Fallbacks are denied by `deny_error_fallback`.)",
                ));
            } else if !self.warnings.contains(&warning) {
                self.warnings.push(warning);
            }
        }
        let settings = RouteSettings {
            timeout: graph.scopes[scope].request_timeout,
            body_limit: body_limit.unwrap_or(graph.scopes[scope].body_size_limit),
            body_timeout: body_read_timeout.unwrap_or(graph.scopes[scope].body_read_timeout),
            error_format: graph.scopes[scope].error_format,
        };
        #[cfg(feature = "openapi")]
        if let (Some(node), Some(path)) = (route_node, path) {
            self.operations.extend(super::openapi::operation(
                graph,
                node,
                path,
                &settings,
                planned.documented,
            ));
        }
        self.plans.push(RoutePlan::new(
            path,
            label,
            param_names,
            settings,
            planned.calls,
        ));
        self.plans.len() - 1
    }
}

/// A route registered for a path: its method, its index in the app's routes, its node.
struct MethodRoute {
    method: Method,
    route: usize,
    node: usize,
}

/// Checks methods and paths, plans every route and builds the router.
fn plan_routes(graph: &Graph, routes: &mut Routes, problems: &mut Vec<BuildProblem>) -> Router {
    // Each path once, with its methods.
    let mut paths: Vec<(String, Vec<MethodRoute>)> = Vec::new();
    for &node in &graph.routes {
        let AnyComponent::Route(route) = &graph.nodes[node].kind else {
            continue;
        };
        let Ok(method) = Method::from_bytes(route.method.as_bytes()) else {
            let described = graph.nodes[node].describe();
            problems.push(BuildProblem::new(
                ProblemKind::InvalidMethod,
                [described.clone()],
                format!(
                    "{described} has the method `{}`, which is not a valid HTTP method.",
                    route.method
                ),
            ));
            continue;
        };
        let path = format!(
            "{}{}",
            graph.scopes[graph.nodes[node].scope].prefix, route.path
        );
        let label = format!("{method} {path}");
        let methods = match paths.iter().position(|(p, _)| *p == path) {
            Some(index) => &mut paths[index].1,
            None => {
                paths.push((path.clone(), Vec::new()));
                &mut paths.last_mut().expect("just pushed").1
            }
        };
        if let Some(other) = methods.iter().find(|r| r.method == method) {
            let (first, second) = (
                graph.nodes[other.node].describe(),
                graph.nodes[node].describe(),
            );
            problems.push(BuildProblem::new(
                ProblemKind::DuplicateRoute,
                [first.clone(), second.clone()],
                format!(
                    "two routes for `{label}`: {first} and {second}. Remove one, or change its method or path."
                ),
            ));
            continue;
        }
        let scope = graph.nodes[node].scope;
        let route = routes.plan(graph, node, scope, Some(&path), &label, problems);
        methods.push(MethodRoute {
            method,
            route,
            node,
        });
    }

    // Each service serves its prefix and every path below it, with any method.
    let mut mounted: Vec<(String, usize, InvolvedComponent)> = Vec::new();
    for (scope, service) in &graph.services {
        let described = InvolvedComponent::service(&service.prefix, service.at);
        if !service.prefix.starts_with('/') || service.prefix.ends_with('/') {
            problems.push(BuildProblem::new(
                ProblemKind::InvalidPath,
                [described.clone()],
                format!(
                    "{described} has the prefix `{}`; a prefix starts with `/` and does not end with `/`.",
                    service.prefix
                ),
            ));
            continue;
        }
        let prefix = format!("{}{}", graph.scopes[*scope].prefix, service.prefix);
        let template = format!("{prefix}/{{*{REST}}}");
        let target = Target::Service(service.mount(&prefix));
        let route = routes.plan_target(graph, target, *scope, Some(&template), &template, problems);
        // matchit's catch-all takes one character at least: `{prefix}/` is a path of its own.
        mounted.push((format!("{prefix}/"), route, described.clone()));
        mounted.push((prefix, route, described.clone()));
        mounted.push((template, route, described));
    }

    let mut table: Vec<PathRoutes> = paths
        .iter()
        .map(|(path, methods)| PathRoutes {
            path: path.to_string(),
            methods: methods
                .iter()
                .map(|r| (r.method.clone(), r.route))
                .collect(),
            any: None,
        })
        .collect();
    for (path, route, _) in &mounted {
        match table.iter_mut().find(|routes| routes.path == *path) {
            Some(routes) => routes.any = Some(*route),
            None => table.push(PathRoutes {
                path: path.clone(),
                methods: Vec::new(),
                any: Some(*route),
            }),
        }
    }
    Router::new(table).unwrap_or_else(|rejected| {
        // The first route of a path, as messages name it: `GET /path`, and the component; or
        // the service mounted there.
        let route_of = |path: &str| {
            if let Some((_, methods)) = paths.iter().find(|(p, _)| *p == path)
                && let Some(route) = methods.first()
            {
                return Some((
                    format!("{} {path}", route.method),
                    graph.nodes[route.node].describe(),
                ));
            }
            let (_, _, service) = mounted.iter().find(|(p, ..)| p == path)?;
            Some((path.to_owned(), service.clone()))
        };
        for (path, error) in rejected {
            let (label, rejected) = route_of(&path).expect("only registered paths are rejected");
            problems.push(match error {
                matchit::InsertError::Conflict { with } => {
                    route_conflict(&path, (&label, rejected), &with, route_of(&with))
                }
                other => BuildProblem::new(
                    ProblemKind::InvalidPath,
                    [rejected.clone()],
                    format!(
                        "{rejected} has the path `{path}`, and the router rejects it ({other}). {}",
                        super::route_conflict::PATH_SYNTAX
                    ),
                ),
            });
        }
        Router::default()
    })
}

/// Plans every blueprint's fallback. Returns the nested ones with their prefix, longest
/// first, and the root's.
fn plan_fallbacks(
    graph: &Graph,
    routes: &mut Routes,
    problems: &mut Vec<BuildProblem>,
) -> (Vec<(String, usize)>, usize) {
    let mut nested: Vec<(String, usize, usize)> = Vec::new();
    let mut root = 0;
    for (index, scope) in graph.scopes.iter().enumerate() {
        let node = match (index, scope.fallback) {
            (_, Some(node)) => node,
            (0, None) => graph.default_fallback,
            _ if writes_errors_apart(graph, index) => graph.default_fallback,
            _ => continue,
        };
        let label = match scope.prefix.as_str() {
            "" => "the fallback".to_owned(),
            prefix => format!("the fallback for `{prefix}`"),
        };
        let plan = routes.plan(graph, node, index, None, &label, problems);
        if index == 0 {
            root = plan;
        } else if let Some((_, _, other)) = nested.iter().find(|(p, ..)| *p == scope.prefix) {
            problems.push(two_fallbacks(
                graph.nodes[*other].describe(),
                graph.nodes[node].describe(),
                &format!("serve the paths under `{}`", scope.prefix),
                "a prefix of its own",
            ));
        } else if let Some(root) = graph.scopes[0].fallback.filter(|_| scope.prefix.is_empty()) {
            problems.push(two_fallbacks(
                graph.nodes[root].describe(),
                graph.nodes[node].describe(),
                "serve every path",
                "a prefix",
            ));
        } else {
            nested.push((scope.prefix.clone(), plan, node));
        }
    }
    // A blueprint with tower layers and a prefix, but no fallback, serves the paths under its
    // prefix with the fallback it inherits, inside its layers: a CORS layer answers the
    // preflights of its routes (which reach the fallback, as a 405) too.
    for (index, scope) in graph.scopes.iter().enumerate() {
        if scope.fallback.is_some()
            || scope.tower_layers.is_empty()
            || scope.prefix.is_empty()
            || nested.iter().any(|(p, ..)| *p == scope.prefix)
        {
            continue;
        }
        let inherited = graph.ancestry(index).find_map(|s| graph.scopes[s].fallback);
        let node = inherited.unwrap_or(graph.default_fallback);
        let label = format!("the fallback for `{}`", scope.prefix);
        let plan = routes.plan_target(graph, Target::Node(node), index, None, &label, problems);
        nested.push((scope.prefix.clone(), plan, node));
    }
    nested.sort_by_key(|(prefix, ..)| std::cmp::Reverse(prefix.len()));
    let nested = nested
        .into_iter()
        .map(|(prefix, plan, _)| (prefix, plan))
        .collect();
    (nested, root)
}

/// Whether the nested blueprint `scope` needs the default fallback of its own, so that the
/// 404s and 405s under its prefix are written in its error format: it has a prefix, writes the
/// framework's errors unlike its parent, and no blueprint up to the root has a fallback. (A
/// prefix shared with another blueprint keeps the root's fallback, which cannot conflict.)
fn writes_errors_apart(graph: &Graph, scope: usize) -> bool {
    let this = &graph.scopes[scope];
    let Some(parent) = this.parent else {
        return false;
    };
    !this.prefix.is_empty()
        && graph.scopes[parent].error_format != this.error_format
        && graph
            .ancestry(scope)
            .all(|s| graph.scopes[s].fallback.is_none())
        && graph
            .scopes
            .iter()
            .filter(|s| s.prefix == this.prefix)
            .count()
            == 1
}

/// The problem of two fallbacks of different blueprints serving the same paths.
fn two_fallbacks(
    first: InvolvedComponent,
    second: InvolvedComponent,
    serve: &str,
    prefix: &str,
) -> BuildProblem {
    BuildProblem::new(
        ProblemKind::DuplicateFallback,
        [first.clone(), second.clone()],
        format!(
            "two fallbacks {serve}: {first} and {second}. Give the nested blueprint {prefix}, or keep one fallback."
        ),
    )
}

/// The singleton constructors in an order where each comes after its dependencies, with their
/// slot in the app's singletons and their inputs.
fn plan_singletons(
    graph: &Graph,
    problems: &mut Vec<BuildProblem>,
) -> Vec<(usize, usize, Vec<InputPlan>)> {
    /// The singleton constructor at `position`, after those it depends on.
    fn visit(graph: &Graph, position: usize, done: &mut [bool], order: &mut Vec<usize>) {
        if done[position] {
            return;
        }
        done[position] = true;
        let SingletonSource::Constructor(node) = graph.singletons[position] else {
            return;
        };
        for input in &graph.nodes[node].sig.inputs {
            if let Some(Provider::Singleton(dependency)) =
                graph.provider(graph.nodes[node].scope, input.ty.id)
            {
                visit(graph, dependency, done, order);
            }
        }
        order.push(position);
    }
    let mut done = vec![false; graph.singletons.len()];
    let mut order = Vec::new();
    for position in 0..graph.singletons.len() {
        visit(graph, position, &mut done, &mut order);
    }

    order
        .into_iter()
        .filter_map(|position| match graph.singletons[position] {
            SingletonSource::Constructor(node) => Some((node, position)),
            SingletonSource::Prebuilt(_) => None,
        })
        .map(|(node, position)| {
            let scope = graph.nodes[node].scope;
            let inputs = graph.nodes[node]
                .sig
                .inputs
                .iter()
                .map(|input| {
                    // Any other provider is reported by the graph checks, and the build fails
                    // before this plan runs.
                    let Some(Provider::Singleton(index)) = graph.provider(scope, input.ty.id)
                    else {
                        return InputPlan::new(Source::Singleton(0), Access::Borrow);
                    };
                    let source = Source::Singleton(index);
                    let access = match (input.by_ref, input.cloner) {
                        (true, _) => Access::Borrow,
                        (false, Some(cloner)) => Access::Clone(cloner),
                        (false, None) => {
                            problems.push(not_clone(&graph.nodes[node].describe(), input.ty));
                            Access::Borrow
                        }
                    };
                    InputPlan::new(source, access)
                })
                .collect();
            (node, position, inputs)
        })
        .collect()
}
