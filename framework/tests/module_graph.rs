//! The runtime's files depend on each other without circles, so that a reader can walk one
//! request through the code top-down.
//!
//! Every path that starts with `crate::`, `super::` or `self::` (in `use` items and in code) is
//! an edge from the file that writes it to the file that defines the item, following `pub use`
//! re-exports to the defining file. A module's facade (its `mod` items and its `pub use` of its
//! own children) is not a dependency. Test modules (`#[cfg(test)]`) are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// A module of the crate: its file, and the names it re-exports (name → path it points to).
struct Module {
    file: PathBuf,
    reexports: BTreeMap<String, Vec<String>>,
}

struct Crate {
    src: PathBuf,
    /// Module path (`["di", "scope"]`) → module.
    modules: BTreeMap<Vec<String>, Module>,
}

impl Crate {
    fn load(src: &Path) -> Self {
        let mut krate = Crate {
            src: src.to_owned(),
            modules: BTreeMap::new(),
        };
        krate.load_module(Vec::new(), src.join("lib.rs"));
        krate
    }

    fn load_module(&mut self, path: Vec<String>, file: PathBuf) {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        let mut reexports = BTreeMap::new();
        let mut children = Vec::new();
        for item in &ast.items {
            match item {
                syn::Item::Mod(module) if module.content.is_none() && !is_test(&module.attrs) => {
                    let name = module.ident.to_string();
                    let explicit = module.attrs.iter().find_map(|attr| {
                        let syn::Meta::NameValue(nv) = &attr.meta else {
                            return None;
                        };
                        let syn::Expr::Lit(lit) = &nv.value else {
                            return None;
                        };
                        let syn::Lit::Str(s) = &lit.lit else {
                            return None;
                        };
                        nv.path.is_ident("path").then(|| s.value())
                    });
                    let dir = self.dir_of(&path, &file);
                    let child_file = match explicit {
                        Some(p) => dir.join(p),
                        None if dir.join(format!("{name}.rs")).exists() => {
                            dir.join(format!("{name}.rs"))
                        }
                        None => dir.join(&name).join("mod.rs"),
                    };
                    let mut child = path.clone();
                    child.push(name);
                    children.push((child, child_file));
                }
                syn::Item::Use(item)
                    if matches!(
                        item.vis,
                        syn::Visibility::Public(_) | syn::Visibility::Restricted(_)
                    ) =>
                {
                    flatten_use(&item.tree, &mut Vec::new(), &mut |prefix, name| {
                        reexports.insert(name, prefix);
                    });
                }
                _ => {}
            }
        }
        self.modules.insert(path, Module { file, reexports });
        for (child, file) in children {
            self.load_module(child, file);
        }
    }

    /// The directory that holds a module's children.
    fn dir_of(&self, path: &[String], file: &Path) -> PathBuf {
        let parent = file.parent().expect("a file has a directory").to_owned();
        match file.file_name().and_then(|n| n.to_str()) {
            Some("lib.rs") | Some("mod.rs") => parent,
            _ if path.is_empty() => parent,
            _ => parent.join(path.last().expect("not the root")),
        }
    }

    /// The file that defines what `segments` (absolute, without `crate`) names.
    fn resolve(&self, segments: &[String], depth: usize) -> Option<PathBuf> {
        if depth > 16 {
            return None;
        }
        // The longest prefix that is a module.
        let mut module = Vec::new();
        for segment in segments {
            let mut next = module.clone();
            next.push(segment.clone());
            if self.modules.contains_key(&next) {
                module = next;
            } else {
                break;
            }
        }
        let info = self.modules.get(&module)?;
        let rest = &segments[module.len()..];
        if let Some(name) = rest.first()
            && let Some(target) = info.reexports.get(name)
        {
            let mut absolute = absolutize(&module, target)?;
            if absolute.first().map(String::as_str) == Some("*") {
                return Some(info.file.clone());
            }
            absolute.extend(rest[1..].iter().cloned());
            if absolute
                .first()
                .is_some_and(|s| !self.modules.contains_key(&vec![s.clone()]))
            {
                return None; // an external crate
            }
            return self
                .resolve(&absolute, depth + 1)
                .or(Some(info.file.clone()));
        }
        Some(info.file.clone())
    }
}

fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr
                .parse_args::<syn::Path>()
                .is_ok_and(|p| p.is_ident("test") || p.is_ident("doctest"))
    })
}

/// Calls `found(path, name)` for each name a use tree brings in.
fn flatten_use(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    found: &mut dyn FnMut(Vec<String>, String),
) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            flatten_use(&p.tree, prefix, found);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            found(path, n.ident.to_string());
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            path.push(r.ident.to_string());
            found(path, r.rename.to_string());
        }
        syn::UseTree::Glob(_) => {
            let mut path = prefix.clone();
            path.push("*".into());
            found(path, "*".into());
        }
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                flatten_use(tree, prefix, found);
            }
        }
    }
}

/// Whether a `use` tree names a child module of `module` (`pub use child::Item`).
fn use_child(module: &[String], tree: &syn::UseTree, krate: &Crate) -> bool {
    let first = match tree {
        syn::UseTree::Path(p) if p.ident == "self" => match &*p.tree {
            syn::UseTree::Path(p) => p.ident.to_string(),
            _ => return false,
        },
        syn::UseTree::Path(p) => p.ident.to_string(),
        _ => return false,
    };
    krate.modules.contains_key(&[module, &[first]].concat())
}

/// Makes a path written in module `module` absolute (without `crate`); `None` for an external
/// crate's path.
fn absolutize(module: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut base = module.to_vec();
    let mut rest = path;
    match path.first().map(String::as_str) {
        Some("crate") | Some("watchful") => {
            base.clear();
            rest = &path[1..];
        }
        Some("self") => rest = &path[1..],
        Some("super") => {
            while rest.first().map(String::as_str) == Some("super") {
                base.pop();
                rest = &rest[1..];
            }
        }
        // A child module named without `self::`, as `use` trees inside a module may.
        _ => return Some([base.as_slice(), path].concat()),
    }
    Some([base.as_slice(), rest].concat())
}

/// Collects the crate-relative paths a file mentions.
struct Paths {
    found: Vec<Vec<String>>,
}

impl<'ast> Visit<'ast> for Paths {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !is_test(&item.attrs) {
            syn::visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        // Paths that do not start with `crate`, `super` or `self` may name a child module; the
        // caller tells them from external crates.
        flatten_use(&item.tree, &mut Vec::new(), &mut |path, _| {
            self.found.push(path)
        });
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if segments.len() > 1 && matches!(segments[0].as_str(), "crate" | "super" | "self") {
            self.found.push(segments);
        }
        syn::visit::visit_path(self, path);
    }
}

fn edges(krate: &Crate) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut graph: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for (module, info) in &krate.modules {
        let text = std::fs::read_to_string(&info.file).expect("read");
        let ast = syn::parse_file(&text).expect("parse");
        let mut paths = Paths { found: Vec::new() };
        for item in &ast.items {
            // A module's `mod` lines, and its `pub use` of its own children, are its facade,
            // not a dependency.
            match item {
                syn::Item::Mod(_) => continue,
                syn::Item::Use(item)
                    if !matches!(item.vis, syn::Visibility::Inherited)
                        && use_child(module, &item.tree, krate) =>
                {
                    continue;
                }
                _ => {}
            }
            paths.visit_item(item);
        }
        let targets = graph.entry(info.file.clone()).or_default();
        for path in paths.found {
            let relative = !matches!(path[0].as_str(), "crate" | "super" | "self");
            let child = [module.as_slice(), &path[..1]].concat();
            if relative && !krate.modules.contains_key(&child) {
                continue; // an external crate
            }
            let Some(absolute) = absolutize(module, &path) else {
                continue;
            };
            if let Some(target) = krate.resolve(&absolute, 0)
                && target != info.file
            {
                targets.insert(target);
            }
        }
    }
    let strip = |p: &Path| p.strip_prefix(&krate.src).unwrap_or(p).to_owned();
    graph
        .into_iter()
        .map(|(from, to)| (strip(&from), to.iter().map(|t| strip(t)).collect()))
        .collect()
}

/// A circle in the graph, if there is one.
fn find_cycle(graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Option<Vec<PathBuf>> {
    fn visit(
        node: &PathBuf,
        graph: &BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        state: &mut BTreeMap<PathBuf, u8>,
        stack: &mut Vec<PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                0 => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
                1 => {
                    let start = stack.iter().position(|n| n == next).expect("on the stack");
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node).copied().unwrap_or(0) == 0
            && let Some(cycle) = visit(node, graph, &mut state, &mut Vec::new())
        {
            return Some(cycle);
        }
    }
    None
}

#[test]
fn the_runtime_has_no_import_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = edges(&Crate::load(&src));
    assert!(
        graph.len() > 20,
        "the crate's files were not found: {graph:?}"
    );
    if std::env::var_os("PRINT_MODULE_GRAPH").is_some() {
        for (from, to) in &graph {
            let to: Vec<String> = to.iter().map(|p| p.display().to_string()).collect();
            println!("{} → {}", from.display(), to.join(", "));
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        let cycle: Vec<String> = cycle.iter().map(|p| p.display().to_string()).collect();
        panic!("import circle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_checker_finds_a_circle() {
    let a = PathBuf::from("a.rs");
    let b = PathBuf::from("b.rs");
    let graph = BTreeMap::from([
        (a.clone(), BTreeSet::from([b.clone()])),
        (b.clone(), BTreeSet::from([a.clone()])),
    ]);
    assert_eq!(find_cycle(&graph), Some(vec![a.clone(), b, a]));
}
