//! Why the router refuses a path that conflicts with another: most often it is one path with
//! its parameters named differently in two routes (`/notes/{id}`, `/notes/{note_id}`), which
//! the router takes for one path and cannot give two sets of names.

use super::report::{BuildProblem, InvolvedComponent, ProblemKind};

/// The syntax the router accepts, for messages about a path it refuses.
pub(super) const PATH_SYNTAX: &str = "Paths start with `/` and use `{name}` or `{*rest}` segments; two paths conflict when one request could match both.";

/// The problem of the route `rejected` (its label, `GET /path`, and its handler), whose
/// `path` conflicts with the registered path `with`, served by the route `other` when the
/// router's spelling of `with` is a registered one.
pub(super) fn route_conflict(
    path: &str,
    (label, rejected): (&str, InvolvedComponent),
    with: &str,
    other: Option<(String, InvolvedComponent)>,
) -> BuildProblem {
    let (unnamed, names) = shape(path);
    let (other_unnamed, other_names) = shape(with);
    let renamed: Vec<String> = names
        .iter()
        .zip(&other_names)
        .filter(|(name, other)| name != other)
        .map(|(name, other)| format!("`{{{other}}}` and `{{{name}}}`"))
        .collect();
    match other {
        Some((other_label, other)) if unnamed == other_unnamed && !renamed.is_empty() => {
            BuildProblem::new(
                ProblemKind::RouteConflict,
                [other.clone(), rejected.clone()],
                format!(
                    "the routes `{other_label}`, {other}, and `{label}`, {rejected}, have the same path with its parameters named differently: {}. The router sees one path, and one position in a path takes one parameter name across all the routes on it: use the same names in both.",
                    renamed.join(", ")
                ),
            )
        }
        _ => {
            let of = other
                .as_ref()
                .map_or_else(String::new, |(_, other)| format!(", the path of {other}"));
            BuildProblem::new(
                ProblemKind::RouteConflict,
                std::iter::once(rejected.clone()).chain(other.map(|(_, other)| other)),
                format!(
                    "{rejected} has the path `{path}`, and it conflicts with `{with}`{of}. {PATH_SYNTAX}"
                ),
            )
        }
    }
}

/// A path template with its parameters unnamed, and their names: `/notes/{id}` is
/// `/notes/{}` with `id`, `/files/{*rest}` is `/files/{*}` with `rest`. `{{` and `}}` are
/// literal braces.
fn shape(template: &str) -> (String, Vec<&str>) {
    let mut shape = String::with_capacity(template.len());
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(brace) = rest.find(['{', '}']) {
        shape.push_str(&rest[..brace]);
        let tail = &rest[brace..];
        if let Some(literal) = ["{{", "}}", "}"].into_iter().find(|l| tail.starts_with(l)) {
            shape.push_str(literal);
            rest = &tail[literal.len()..];
            continue;
        }
        let Some(end) = tail.find('}') else {
            shape.push_str(tail);
            rest = "";
            break;
        };
        let name = &tail[1..end];
        match name.strip_prefix('*') {
            Some(catch_all) => {
                shape.push_str("{*}");
                names.push(catch_all);
            }
            None => {
                shape.push_str("{}");
                names.push(name);
            }
        }
        rest = &tail[end + 1..];
    }
    shape.push_str(rest);
    (shape, names)
}

#[cfg(test)]
mod tests {
    use super::shape;

    #[test]
    fn a_shape_unnames_parameters_and_keeps_escaped_braces() {
        let table = [
            ("/notes", "/notes", vec![]),
            ("/notes/{id}", "/notes/{}", vec!["id"]),
            ("/u/{user}/p/{post}", "/u/{}/p/{}", vec!["user", "post"]),
            ("/files/{*rest}", "/files/{*}", vec!["rest"]),
            ("/img/x{name}", "/img/x{}", vec!["name"]),
            ("/a/{{x}}/{id}", "/a/{{x}}/{}", vec!["id"]),
            ("/a/{b", "/a/{b", vec![]),
        ];
        for (template, expected, names) in table {
            assert_eq!(shape(template), (expected.to_owned(), names), "{template}");
        }
    }
}
