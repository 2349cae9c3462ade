use conduit::articles::{self, NewArticle};
use conduit::tags;

use crate::common::TestDb;

async fn popular_lists_tags_in_use_most_used_first(t: TestDb) {
    assert!(tags::popular(&t.db).await.expect("lists").is_empty());
    let jake = t.user("jake").await;
    for (title, tags) in [
        ("one", vec!["rust", "web"]),
        ("two", vec!["rust"]),
        ("three", vec!["sql", "rust", "web"]),
    ] {
        let tags: Vec<String> = tags.into_iter().map(String::from).collect();
        let new = NewArticle {
            title,
            description: "d",
            body: "b",
            tags: &tags,
        };
        articles::create(&t.db, jake.id, new)
            .await
            .expect("creates");
    }
    assert_eq!(
        tags::popular(&t.db).await.expect("lists"),
        ["rust", "web", "sql"]
    );

    articles::delete(&t.db, jake.id, "three")
        .await
        .expect("deletes");
    assert_eq!(
        tags::popular(&t.db).await.expect("lists"),
        ["rust", "web"],
        "a tag no article has any more is not listed"
    );
}

on_both_databases!(popular_lists_tags_in_use_most_used_first,);
