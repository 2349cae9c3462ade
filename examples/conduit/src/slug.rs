//! Slugs: the URL-safe name of an article, made from its title.

/// What a title with no letters or digits (e.g. "!!!") becomes.
const FALLBACK: &str = "article";

/// Lower-cases `title`, keeps its letters and digits (any script) and joins the runs between
/// them with single hyphens: "How to train your Dragon!" becomes "how-to-train-your-dragon".
pub fn slugify(title: &str) -> String {
    let mut slug = String::with_capacity(title.len());
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    if slug.ends_with('-') {
        slug.pop();
    }
    if slug.is_empty() {
        slug.push_str(FALLBACK);
    }
    slug
}

/// The first of `base`, `base-2`, `base-3`, … that is not in `taken`, where `taken` holds the
/// slugs already in use that are `base` or start with `base-`.
pub fn first_free<'a>(base: &str, taken: impl IntoIterator<Item = &'a str>) -> String {
    let mut base_taken = false;
    let mut highest = 1;
    for slug in taken {
        if slug == base {
            base_taken = true;
        } else if let Some(n) = slug
            .strip_prefix(base)
            .and_then(|rest| rest.strip_prefix('-'))
            .and_then(|n| n.parse::<u64>().ok())
        {
            highest = highest.max(n);
        }
    }
    if base_taken {
        format!("{base}-{}", highest.saturating_add(1))
    } else {
        base.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_hyphenated_lower_case() {
        assert_eq!(
            slugify("How to train your Dragon!"),
            "how-to-train-your-dragon"
        );
        assert_eq!(slugify("  Rust -- 2024 edition  "), "rust-2024-edition");
        assert_eq!(slugify("Ça marche, très bien"), "ça-marche-très-bien");
        assert_eq!(slugify("!!!"), "article");
        assert_eq!(slugify(""), "article");
    }

    #[test]
    fn the_first_free_slug_follows_the_highest_number_in_use() {
        assert_eq!(first_free("dragon", []), "dragon");
        assert_eq!(first_free("dragon", ["dragon-2"]), "dragon");
        assert_eq!(first_free("dragon", ["dragon"]), "dragon-2");
        assert_eq!(
            first_free("dragon", ["dragon", "dragon-2", "dragon-7"]),
            "dragon-8"
        );
        // "dragon-slayer" shares the prefix but is another base, not a number.
        assert_eq!(
            first_free("dragon", ["dragon", "dragon-slayer"]),
            "dragon-2"
        );
    }
}
