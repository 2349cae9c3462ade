//! [`Blueprint::build`]: run every check, plan every route, build the singletons.

use std::collections::HashSet;
use std::sync::Arc;

use http::Method;

use super::graph::{Graph, Kind, Provider};
use super::planner::plan_route;
use super::report::not_clone;
use super::{Blueprint, BuildError};
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
    /// were registered. Warnings (see [`App::warnings`]) do not stop the build. Call it in a
    /// test to get these checks in CI.
    pub async fn build(self) -> Result<App, BuildError> {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let graph = Graph::new(&self, &mut problems, &mut warnings);
        let (router, routes) = plan_routes(&graph, &mut problems);
        let singleton_plans = plan_singletons(&graph, &mut problems);

        let mut seen = HashSet::new();
        problems.retain(|problem| seen.insert(problem.clone()));
        if !problems.is_empty() {
            return Err(BuildError::Invalid { problems });
        }

        let mut singletons: Vec<Slot> = self.prebuilt.into_iter().map(|p| p.value).collect();
        singletons.resize_with(singletons.len() + graph.singletons.len(), || Box::new(()));
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
                routes,
                singletons,
                warnings,
                request_timeout: self.request_timeout,
            }),
        })
    }
}

/// A route registered for a path: its method, its index in the app's routes, its node.
struct MethodRoute {
    method: Method,
    route: usize,
    node: usize,
}

/// Checks methods and paths, plans every route and builds the router.
fn plan_routes(graph: &Graph, problems: &mut Vec<String>) -> (Router, Vec<RoutePlan>) {
    let mut routes = Vec::new();
    // Each path once, with its methods.
    let mut paths: Vec<(&str, Vec<MethodRoute>)> = Vec::new();
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
        let label = format!("{method} {}", route.path);
        let methods = match paths.iter().position(|(path, _)| *path == route.path) {
            Some(index) => &mut paths[index].1,
            None => {
                paths.push((route.path, Vec::new()));
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
        methods.push(MethodRoute {
            method,
            route: routes.len(),
            node,
        });

        let (calls, route_problems) = plan_route(graph, node, &label);
        problems.extend(route_problems);
        routes.push(RoutePlan {
            route: MatchedRoute(Arc::from(route.path)),
            param_names: RawPathParams::names(route.path),
            otel_name: label,
            handler: route.call,
            calls,
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
    let router = Router::new(table).unwrap_or_else(|rejected| {
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
    });
    (router, routes)
}

/// The singleton constructors in an order where each comes after its dependencies, with their
/// slot in the app's singletons and their inputs.
fn plan_singletons(
    graph: &Graph,
    problems: &mut Vec<String>,
) -> Vec<(usize, usize, Vec<InputPlan>)> {
    fn visit(graph: &Graph, position: usize, done: &mut [bool], order: &mut Vec<usize>) {
        if done[position] {
            return;
        }
        done[position] = true;
        for input in &graph.nodes[graph.singletons[position]].sig.inputs {
            if let Some(Provider::Singleton(index)) = graph.providers.get(&input.ty.id)
                && let Some(dependency) = index.checked_sub(graph.prebuilt_count)
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
        .map(|position| {
            let node = graph.singletons[position];
            let inputs = graph.nodes[node]
                .sig
                .inputs
                .iter()
                .map(|input| {
                    // Any other provider is reported by the graph checks, and the build fails
                    // before this plan runs.
                    let Some(Provider::Singleton(index)) = graph.providers.get(&input.ty.id) else {
                        return InputPlan {
                            source: Source::Singleton(0),
                            access: Access::Borrow,
                        };
                    };
                    let source = Source::Singleton(*index);
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
            (node, graph.prebuilt_count + position, inputs)
        })
        .collect()
}
