//! [`Blueprint::build`]: run every check, plan every route, build the singletons.

use std::collections::HashSet;
use std::sync::Arc;

use http::Method;

use super::graph::{Graph, Kind, Provider, SingletonSource};
use super::planner::plan_route;
use super::report::not_clone;
use super::{Blueprint, BuildError, BuildWarning};
use crate::app::{App, AppInner};
use crate::di::{Access, Args, InputPlan, Slot, Source};
use crate::pipeline::RoutePlan;
use crate::request::{MatchedRoute, RawPathParams};
use crate::router::Router;

impl Blueprint {
    /// Validates the blueprint, builds its singletons and precomputes a plan per route.
    ///
    /// Every problem is reported at once in [`BuildError::Invalid`], each naming the
    /// components involved as `module::path::function`, where they are defined and where they
    /// were registered; [the module docs](crate::blueprint#what-build-checks) list the checks.
    /// Warnings (see [`App::warnings`]) do not stop the build. When every check passes, the
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
        let mut problems = Vec::new();
        let graph = Graph::new(&self, &mut problems);
        let mut routes = Routes::default();
        let router = plan_routes(&graph, &mut routes, &mut problems);
        let (fallbacks, root_fallback) = plan_fallbacks(&graph, &mut routes, &mut problems);
        let singleton_plans = plan_singletons(&graph, &mut problems);

        let mut seen = HashSet::new();
        problems.retain(|problem| seen.insert(problem.clone()));
        if !problems.is_empty() {
            return Err(BuildError::Invalid { problems });
        }

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
            let Kind::Constructor(constructor) = &graph.nodes[node].kind else {
                continue;
            };
            let args = Args {
                singletons: &singletons,
                scope: None,
                inputs: &inputs,
            };
            match (constructor.call)(args).finish().await {
                Ok(value) => singletons[index] = value,
                Err(error) => {
                    return Err(BuildError::Singleton {
                        constructor: graph.nodes[node].describe(),
                        source: error.into_error(),
                    });
                }
            }
        }

        Ok(App {
            inner: Arc::new(AppInner {
                router,
                routes: routes.plans,
                fallbacks,
                root_fallback,
                singletons,
                warnings: routes.warnings,
            }),
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

/// The plans of routes and fallbacks, and the warnings planning them gave.
#[derive(Default)]
struct Routes {
    plans: Vec<RoutePlan>,
    warnings: Vec<BuildWarning>,
}

impl Routes {
    /// Plans the route or fallback `node` of `scope`; returns its index.
    fn plan(
        &mut self,
        graph: &Graph,
        node: usize,
        path: Option<&str>,
        label: &str,
        problems: &mut Vec<String>,
    ) -> usize {
        let scope = graph.nodes[node].scope;
        let param_names = path.map(RawPathParams::names).unwrap_or_default();
        let params: Vec<&str> = param_names.iter().map(|name| &**name).collect();
        let planned = plan_route(graph, node, scope, label, &params);
        problems.extend(planned.problems);
        let deny = graph.scopes[scope].deny_error_fallback;
        for message in planned.fallbacks {
            if deny {
                problems.push(format!(
                    "{message} (Fallbacks are denied by `deny_error_fallback`.)"
                ));
            } else if !self.warnings.iter().any(|w| w.message == message) {
                self.warnings.push(BuildWarning { message });
            }
        }
        self.plans.push(RoutePlan {
            route: MatchedRoute(Arc::from(path.unwrap_or_default())),
            param_names,
            otel_name: path.map(|_| label.to_owned()),
            timeout: graph.scopes[scope].request_timeout,
            body_limit: graph.nodes[node]
                .body_size_limit
                .unwrap_or(graph.scopes[scope].body_size_limit),
            calls: planned.calls,
        });
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
fn plan_routes(graph: &Graph, routes: &mut Routes, problems: &mut Vec<String>) -> Router {
    // Each path once, with its methods.
    let mut paths: Vec<(String, Vec<MethodRoute>)> = Vec::new();
    for &node in &graph.routes {
        let Kind::Route(route) = &graph.nodes[node].kind else {
            continue;
        };
        let Ok(method) = Method::from_bytes(route.method.as_bytes()) else {
            problems.push(format!(
                "{} has the method `{}`, which is not a valid HTTP method.",
                graph.nodes[node].describe(),
                route.method
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
            problems.push(format!(
                "two routes for `{label}`: {} and {}. Remove one, or change its method or path.",
                graph.nodes[other.node].describe(),
                graph.nodes[node].describe()
            ));
            continue;
        }
        let route = routes.plan(graph, node, Some(&path), &label, problems);
        methods.push(MethodRoute {
            method,
            route,
            node,
        });
    }

    let table = paths
        .iter()
        .map(|(path, methods)| {
            let methods = methods
                .iter()
                .map(|r| (r.method.clone(), r.route))
                .collect();
            (path.to_string(), methods)
        })
        .collect();
    Router::new(table).unwrap_or_else(|rejected| {
        let describe_path = |path: &str| {
            let found = paths.iter().find(|(p, _)| *p == path);
            found.map_or_else(String::new, |(_, m)| graph.nodes[m[0].node].describe())
        };
        for (path, error) in rejected {
            let reason = match &error {
                matchit::InsertError::Conflict { with } => {
                    format!("it conflicts with `{with}`, the path of {}", describe_path(with))
                }
                other => format!("the router rejects it ({other})"),
            };
            problems.push(format!(
                "{} has the path `{path}`, and {reason}. Paths start with `/` and use `{{name}}` or `{{*rest}}` segments; two paths conflict when one request could match both.",
                describe_path(&path)
            ));
        }
        Router::default()
    })
}

/// Plans every blueprint's fallback. Returns the nested ones with their prefix, longest
/// first, and the root's.
fn plan_fallbacks(
    graph: &Graph,
    routes: &mut Routes,
    problems: &mut Vec<String>,
) -> (Vec<(String, usize)>, usize) {
    let mut nested: Vec<(String, usize, usize)> = Vec::new();
    let mut root = 0;
    for (index, scope) in graph.scopes.iter().enumerate() {
        let node = match (index, scope.fallback) {
            (_, Some(node)) => node,
            (0, None) => graph.default_fallback,
            _ => continue,
        };
        let label = match scope.prefix.as_str() {
            "" => "the fallback".to_owned(),
            prefix => format!("the fallback for `{prefix}`"),
        };
        let plan = routes.plan(graph, node, None, &label, problems);
        if index == 0 {
            root = plan;
        } else if let Some((_, _, other)) = nested.iter().find(|(p, ..)| *p == scope.prefix) {
            problems.push(format!(
                "two fallbacks serve the paths under `{}`: {} and {}. Give the nested blueprint a prefix of its own, or keep one fallback.",
                scope.prefix,
                graph.nodes[*other].describe(),
                graph.nodes[node].describe()
            ));
        } else if let Some(root) = graph.scopes[0].fallback.filter(|_| scope.prefix.is_empty()) {
            problems.push(format!(
                "two fallbacks serve every path: {} and {}. Give the nested blueprint a prefix, or keep one fallback.",
                graph.nodes[root].describe(),
                graph.nodes[node].describe()
            ));
        } else {
            nested.push((scope.prefix.clone(), plan, node));
        }
    }
    nested.sort_by_key(|(prefix, ..)| std::cmp::Reverse(prefix.len()));
    let nested = nested
        .into_iter()
        .map(|(prefix, plan, _)| (prefix, plan))
        .collect();
    (nested, root)
}

/// The singleton constructors in an order where each comes after its dependencies, with their
/// slot in the app's singletons and their inputs.
fn plan_singletons(
    graph: &Graph,
    problems: &mut Vec<String>,
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
                        return InputPlan {
                            source: Source::Singleton(0),
                            access: Access::Borrow,
                        };
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
                    InputPlan { source, access }
                })
                .collect();
            (node, position, inputs)
        })
        .collect()
}
