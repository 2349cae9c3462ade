//! The component graph of a blueprint, and the checks that need only the graph: missing
//! inputs, conflicting providers, cycles, lifecycles, fallible dependencies of error handlers
//! and observers, and which error handler each fallible component uses.

use std::any::TypeId;
use std::collections::HashMap;
use std::panic::Location;

use super::report::describe;
use super::{Blueprint, BuildWarning, Registered};
use crate::component::{
    ComponentMeta, Constructor, ErrorHandler, ErrorObserver, Lifecycle, Route, Signature, TypeMeta,
};
use crate::di::Primitive;

/// A registered component, with its signature computed.
pub(super) struct Node {
    pub(super) meta: ComponentMeta,
    pub(super) at: &'static Location<'static>,
    pub(super) sig: Signature,
    pub(super) kind: Kind,
    /// The error handler attached to this component (a node index).
    pub(super) handler_override: Option<usize>,
}

pub(super) enum Kind {
    Route(Route),
    Constructor(Constructor),
    ErrorHandler(ErrorHandler),
    Observer(ErrorObserver),
}

impl Node {
    pub(super) fn describe(&self) -> String {
        describe(&self.meta, self.at)
    }

    pub(super) fn constructor(&self) -> Option<&Constructor> {
        match &self.kind {
            Kind::Constructor(constructor) => Some(constructor),
            _ => None,
        }
    }
}

/// What provides a value of a given type.
#[derive(Clone, Copy)]
pub(super) enum Provider {
    Primitive(Primitive),
    /// A prebuilt value or a singleton constructor's output: an index into the app's singletons.
    Singleton(usize),
    /// A request-scoped or transient constructor (a node index).
    Constructor(usize),
}

/// Which error handler a fallible component's errors go to.
#[derive(Clone, Copy)]
pub(super) enum Selection {
    Handler { node: usize, catch_all: bool },
    Builtin,
}

pub(super) struct Graph {
    pub(super) nodes: Vec<Node>,
    pub(super) routes: Vec<usize>,
    pub(super) observers: Vec<usize>,
    pub(super) providers: HashMap<TypeId, Provider>,
    /// Singleton constructors (node indices), numbered after the prebuilt values.
    pub(super) singletons: Vec<usize>,
    pub(super) prebuilt_count: usize,
    /// The error handler of every fallible route and request-scoped or transient constructor.
    pub(super) selection: HashMap<usize, Selection>,
    /// The blueprint-wide error handlers (node indices), by the type of error they handle.
    pub(super) handlers_by_type: HashMap<TypeId, usize>,
}

impl Graph {
    /// Collects the blueprint's components and runs every graph check.
    pub(super) fn new(
        bp: &Blueprint,
        problems: &mut Vec<String>,
        warnings: &mut Vec<BuildWarning>,
    ) -> Self {
        let mut graph = Graph {
            nodes: Vec::new(),
            routes: Vec::new(),
            observers: Vec::new(),
            providers: HashMap::new(),
            singletons: Vec::new(),
            prebuilt_count: bp.prebuilt.len(),
            selection: HashMap::new(),
            handlers_by_type: HashMap::new(),
        };
        for registered in &bp.routes {
            let node = graph.add(registered, |r| (r.meta, Kind::Route(*r)));
            graph.routes.push(node);
        }
        let constructors: Vec<usize> = bp
            .constructors
            .iter()
            .map(|registered| graph.add(registered, |c| (c.meta, Kind::Constructor(*c))))
            .collect();
        let handlers: Vec<usize> = bp
            .error_handlers
            .iter()
            .map(|registered| graph.add(registered, |h| (h.meta, Kind::ErrorHandler(*h))))
            .collect();
        for registered in &bp.observers {
            let node = graph.add(registered, |o| (o.meta, Kind::Observer(*o)));
            graph.observers.push(node);
        }

        graph.register_providers(bp, &constructors, problems);
        graph.check_inputs(problems);
        graph.check_cycles(problems);
        graph.check_singletons(problems);
        graph.check_fallible_dependencies(problems);
        graph.check_attached_handlers(problems);
        graph.handlers_by_type = graph.handler_registry(&handlers, problems);
        graph.select_handlers(bp.deny_error_fallback, problems, warnings);
        graph
    }

    fn add<C>(
        &mut self,
        registered: &Registered<C>,
        split: impl Fn(&C) -> (ComponentMeta, Kind),
    ) -> usize {
        let handler_override = registered.error_handler.as_ref().map(|handler| {
            self.push(
                handler.component.meta,
                handler.at,
                Kind::ErrorHandler(handler.component),
                None,
            )
        });
        let (meta, kind) = split(&registered.component);
        self.push(meta, registered.at, kind, handler_override)
    }

    fn push(
        &mut self,
        meta: ComponentMeta,
        at: &'static Location<'static>,
        kind: Kind,
        handler_override: Option<usize>,
    ) -> usize {
        self.nodes.push(Node {
            meta,
            at,
            sig: (meta.signature)(),
            kind,
            handler_override,
        });
        self.nodes.len() - 1
    }

    fn register_providers(
        &mut self,
        bp: &Blueprint,
        constructors: &[usize],
        problems: &mut Vec<String>,
    ) {
        let mut owners: HashMap<TypeId, String> = HashMap::new();
        let mut claim = |ty: TypeMeta, owner: String, problems: &mut Vec<String>| -> bool {
            if Primitive::of(ty.id).is_some() {
                problems.push(format!(
                    "{owner} provides `{ty}`, which the framework already provides to every request. Remove it."
                ));
                return false;
            }
            if let Some(first) = owners.get(&ty.id) {
                problems.push(format!(
                    "`{ty}` is provided twice: by {first} and by {owner}. Keep one of them."
                ));
                return false;
            }
            owners.insert(ty.id, owner);
            true
        };
        for (index, prebuilt) in bp.prebuilt.iter().enumerate() {
            let owner = format!(
                "the prebuilt value registered at {}:{}",
                prebuilt.at.file(),
                prebuilt.at.line()
            );
            if claim(prebuilt.ty, owner, problems) {
                self.providers
                    .insert(prebuilt.ty.id, Provider::Singleton(index));
            }
        }
        for &node in constructors {
            let (Some(output), Some(constructor)) =
                (self.nodes[node].sig.output, self.nodes[node].constructor())
            else {
                continue;
            };
            let lifecycle = constructor.lifecycle;
            if !claim(output, self.nodes[node].describe(), problems) {
                continue;
            }
            let provider = if lifecycle == Lifecycle::Singleton {
                self.singletons.push(node);
                Provider::Singleton(self.prebuilt_count + self.singletons.len() - 1)
            } else {
                Provider::Constructor(node)
            };
            self.providers.insert(output.id, provider);
        }
        for primitive in Primitive::ALL {
            self.providers
                .insert(primitive.value_type(), Provider::Primitive(primitive));
        }
    }

    /// The constructor node providing `ty`, if it is a constructor's output.
    pub(super) fn constructor_of(&self, ty: TypeId) -> Option<usize> {
        match self.providers.get(&ty) {
            Some(Provider::Constructor(node)) => Some(*node),
            Some(Provider::Singleton(index)) if *index >= self.prebuilt_count => {
                Some(self.singletons[*index - self.prebuilt_count])
            }
            _ => None,
        }
    }

    fn check_inputs(&self, problems: &mut Vec<String>) {
        for node in &self.nodes {
            for input in &node.sig.inputs {
                if !self.providers.contains_key(&input.ty.id) {
                    let ty = input.ty;
                    problems.push(format!(
                        "{} needs `{ty}`, but nothing constructs it. Register a constructor that returns `{ty}` with `bp.constructor(..)`, or a value with `bp.prebuilt(..)`.",
                        node.describe()
                    ));
                }
            }
        }
    }

    /// The constructor nodes a node's inputs come from.
    fn dependencies(&self, node: usize) -> impl Iterator<Item = (TypeMeta, usize)> + '_ {
        self.nodes[node]
            .sig
            .inputs
            .iter()
            .filter_map(|input| Some((input.ty, self.constructor_of(input.ty.id)?)))
    }

    fn check_cycles(&self, problems: &mut Vec<String>) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        fn visit(
            graph: &Graph,
            node: usize,
            marks: &mut [Mark],
            stack: &mut Vec<(usize, TypeMeta)>,
            problems: &mut Vec<String>,
        ) {
            marks[node] = Mark::Open;
            for (ty, dependency) in graph.dependencies(node) {
                stack.push((node, ty));
                match marks[dependency] {
                    Mark::New => visit(graph, dependency, marks, stack, problems),
                    Mark::Open => {
                        let start = stack
                            .iter()
                            .position(|(n, _)| *n == dependency)
                            .unwrap_or(0);
                        let mut message = String::from("dependency cycle:");
                        for (n, ty) in &stack[start..] {
                            message.push_str(&format!(
                                "\n   {} needs `{ty}`, built by",
                                graph.nodes[*n].describe()
                            ));
                        }
                        message.push_str(&format!(
                            "\n   {}.\n   Break the cycle by removing one of these inputs.",
                            graph.nodes[dependency].describe()
                        ));
                        problems.push(message);
                    }
                    Mark::Done => {}
                }
                stack.pop();
            }
            marks[node] = Mark::Done;
        }
        let mut marks = vec![Mark::New; self.nodes.len()];
        for node in 0..self.nodes.len() {
            if marks[node] == Mark::New && self.nodes[node].constructor().is_some() {
                visit(self, node, &mut marks, &mut Vec::new(), problems);
            }
        }
    }

    fn check_singletons(&self, problems: &mut Vec<String>) {
        for &node in &self.singletons {
            for input in &self.nodes[node].sig.inputs {
                let (what, advice) = match self.providers.get(&input.ty.id) {
                    Some(Provider::Primitive(_)) => (
                        "a per-request value provided by the framework".to_owned(),
                        "make this constructor request-scoped",
                    ),
                    Some(Provider::Constructor(dependency)) => {
                        let dependency = &self.nodes[*dependency];
                        let lifecycle = dependency
                            .constructor()
                            .map_or(Lifecycle::RequestScoped, |c| c.lifecycle);
                        (
                            format!("{lifecycle}, built by {}", dependency.describe()),
                            "make that dependency a singleton too, or make this constructor request-scoped",
                        )
                    }
                    _ => continue,
                };
                problems.push(format!(
                    "the singleton {} depends on `{}`, which is {what}. A singleton is built once, before any request: {advice}.",
                    self.nodes[node].describe(),
                    input.ty
                ));
            }
        }
    }

    /// A chain of constructors from `node` to one that can fail, if there is one.
    fn fallible_path(&self, node: usize, seen: &mut Vec<usize>) -> Option<Vec<usize>> {
        for (_, dependency) in self.dependencies(node) {
            if seen.contains(&dependency) {
                continue;
            }
            seen.push(dependency);
            let dep = &self.nodes[dependency];
            let per_request = dep
                .constructor()
                .is_some_and(|c| c.lifecycle != Lifecycle::Singleton);
            if per_request && dep.sig.error.is_some() {
                return Some(vec![dependency]);
            }
            if let Some(mut path) = self.fallible_path(dependency, seen) {
                path.insert(0, dependency);
                return Some(path);
            }
        }
        None
    }

    fn check_fallible_dependencies(&self, problems: &mut Vec<String>) {
        for (index, node) in self.nodes.iter().enumerate() {
            let what = match node.kind {
                Kind::Observer(_) => "error observer",
                Kind::ErrorHandler(_) => "error handler",
                _ => continue,
            };
            if let Some(path) = self.fallible_path(index, &mut Vec::new()) {
                let chain: Vec<String> = path.iter().map(|n| self.nodes[*n].describe()).collect();
                problems.push(format!(
                    "the {what} {} depends on a constructor that can fail: {}. An {what} runs after an error and must not fail itself: take only values whose constructors return no `Result`.",
                    node.describe(),
                    chain.join(", which depends on ")
                ));
            }
        }
    }

    fn check_attached_handlers(&self, problems: &mut Vec<String>) {
        for node in &self.nodes {
            let Some(handler) = node.handler_override.map(|h| &self.nodes[h]) else {
                continue;
            };
            let handled = handler.sig.error.map(|t| t.id);
            match node.sig.error {
                None => problems.push(format!(
                    "the error handler {} is attached to {}, which cannot fail (it does not return a `Result`). Remove the error handler.",
                    handler.describe(),
                    node.describe()
                )),
                Some(error) if handled != Some(error.id) && handled != Some(TypeId::of::<crate::Error>()) => {
                    problems.push(format!(
                        "the error handler {} takes `&{}`, but {} fails with `{error}`. Attach a handler whose first input is `&{error}`.",
                        handler.describe(),
                        handler.sig.error.map_or("?", |t| t.name),
                        node.describe()
                    ))
                }
                Some(_) => {}
            }
        }
    }

    fn handler_registry(
        &self,
        handlers: &[usize],
        problems: &mut Vec<String>,
    ) -> HashMap<TypeId, usize> {
        let mut registry: HashMap<TypeId, usize> = HashMap::new();
        for &node in handlers {
            let Some(error) = self.nodes[node].sig.error else {
                continue;
            };
            if let Some(first) = registry.get(&error.id) {
                problems.push(format!(
                    "two error handlers for `{error}`: {} and {}. Keep one, or attach one to a specific component with `.error_handler(..)`.",
                    self.nodes[*first].describe(),
                    self.nodes[node].describe()
                ));
            } else {
                registry.insert(error.id, node);
            }
        }
        registry
    }

    fn select_handlers(
        &mut self,
        deny_fallback: bool,
        problems: &mut Vec<String>,
        warnings: &mut Vec<BuildWarning>,
    ) {
        let registry = &self.handlers_by_type;
        let catch_all = registry.get(&TypeId::of::<crate::Error>()).copied();
        for (index, node) in self.nodes.iter().enumerate() {
            let handled_here = match &node.kind {
                Kind::Route(_) => true,
                Kind::Constructor(c) => c.lifecycle != Lifecycle::Singleton,
                _ => false,
            };
            let Some(error) = node.sig.error.filter(|_| handled_here) else {
                continue;
            };
            let is_catch_all = |handler: usize| {
                self.nodes[handler].sig.error.map(|t| t.id) == Some(TypeId::of::<crate::Error>())
            };
            let selection = match node
                .handler_override
                .or_else(|| registry.get(&error.id).copied())
            {
                Some(handler) => Selection::Handler {
                    node: handler,
                    catch_all: is_catch_all(handler),
                },
                None => {
                    let fallback = match catch_all {
                        Some(handler) => format!(
                            "the catch-all error handler {}",
                            self.nodes[handler].describe()
                        ),
                        None => "the built-in handler (500 Internal Server Error)".to_owned(),
                    };
                    let message = format!(
                        "{} can fail with `{error}`, which has no error handler, so its errors fall back to {fallback}. Register one with `bp.error_handler(..)`, or attach one with `.error_handler(..)`.",
                        node.describe()
                    );
                    if deny_fallback {
                        problems.push(format!(
                            "{message} (Fallbacks are denied by `deny_error_fallback`.)"
                        ));
                    } else {
                        warnings.push(BuildWarning { message });
                    }
                    match catch_all {
                        Some(handler) => Selection::Handler {
                            node: handler,
                            catch_all: true,
                        },
                        None => Selection::Builtin,
                    }
                }
            };
            self.selection.insert(index, selection);
        }
    }
}
