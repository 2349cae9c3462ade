use conduit::articles::{self, NewArticle};
use conduit::comments::{self, CommentError, CommentId};
use conduit::profiles;
use conduit::users::UserId;

use crate::common::TestDb;

async fn article(t: &TestDb, author: UserId, title: &str) -> String {
    let new = NewArticle {
        title,
        description: "d",
        body: "b",
        tags: &[],
    };
    articles::create(&t.db, author, new)
        .await
        .expect("creates")
        .slug
}

async fn add_returns_the_comment_with_its_author(t: TestDb) {
    let jake = t.user("jake").await;
    let anna = t.user("anna").await;
    let slug = article(&t, jake.id, "Dragons").await;
    let comment = comments::add(&t.db, anna.id, &slug, "Thank you so much!")
        .await
        .expect("adds");
    assert_eq!(comment.body, "Thank you so much!");
    assert_eq!(comment.author.username, "anna");
    assert!(!comment.author.following);
    assert_eq!(comment.created_at, comment.updated_at);
}

async fn commenting_on_an_unknown_article_is_not_found(t: TestDb) {
    let anna = t.user("anna").await;
    let err = comments::add(&t.db, anna.id, "nope", "hi")
        .await
        .expect_err("unknown");
    assert!(matches!(err, CommentError::ArticleNotFound), "{err:?}");
    let err = comments::list(&t.db, None, "nope")
        .await
        .expect_err("unknown");
    assert!(matches!(err, CommentError::ArticleNotFound), "{err:?}");
    let err = comments::delete(&t.db, anna.id, "nope", CommentId(1))
        .await
        .expect_err("unknown");
    assert!(matches!(err, CommentError::ArticleNotFound), "{err:?}");
}

async fn list_is_oldest_first_for_one_article_as_the_viewer_sees_it(t: TestDb) {
    let jake = t.user("jake").await;
    let anna = t.user("anna").await;
    let dragons = article(&t, jake.id, "Dragons").await;
    let cats = article(&t, jake.id, "Cats").await;
    comments::add(&t.db, anna.id, &dragons, "first")
        .await
        .expect("adds");
    comments::add(&t.db, jake.id, &dragons, "second")
        .await
        .expect("adds");
    comments::add(&t.db, anna.id, &cats, "elsewhere")
        .await
        .expect("adds");
    profiles::follow(&t.db, jake.id, "anna")
        .await
        .expect("follows");

    let seen_by_jake = comments::list(&t.db, Some(jake.id), &dragons)
        .await
        .expect("lists");
    let bodies: Vec<&str> = seen_by_jake.iter().map(|c| c.body.as_str()).collect();
    assert_eq!(bodies, ["first", "second"]);
    assert!(seen_by_jake[0].author.following, "jake follows anna");
    assert!(!seen_by_jake[1].author.following);
    let anonymous = comments::list(&t.db, None, &dragons).await.expect("lists");
    assert!(anonymous.iter().all(|c| !c.author.following));
    let none = comments::list(&t.db, None, &article(&t, jake.id, "Quiet").await)
        .await
        .expect("lists");
    assert!(none.is_empty());
}

async fn only_the_author_deletes_a_comment_and_only_on_its_article(t: TestDb) {
    let jake = t.user("jake").await;
    let anna = t.user("anna").await;
    let dragons = article(&t, jake.id, "Dragons").await;
    let cats = article(&t, jake.id, "Cats").await;
    let comment = comments::add(&t.db, anna.id, &dragons, "hi")
        .await
        .expect("adds");

    let err = comments::delete(&t.db, jake.id, &dragons, comment.id)
        .await
        .expect_err("not hers");
    assert!(matches!(err, CommentError::Forbidden), "{err:?}");
    let err = comments::delete(&t.db, anna.id, &cats, comment.id)
        .await
        .expect_err("other article");
    assert!(matches!(err, CommentError::NotFound), "{err:?}");
    let err = comments::delete(&t.db, anna.id, &dragons, CommentId(999))
        .await
        .expect_err("unknown");
    assert!(matches!(err, CommentError::NotFound), "{err:?}");

    comments::delete(&t.db, anna.id, &dragons, comment.id)
        .await
        .expect("deletes");
    assert!(
        comments::list(&t.db, None, &dragons)
            .await
            .expect("lists")
            .is_empty()
    );
    let err = comments::delete(&t.db, anna.id, &dragons, comment.id)
        .await
        .expect_err("gone");
    assert!(matches!(err, CommentError::NotFound), "{err:?}");
}

on_both_databases!(
    add_returns_the_comment_with_its_author,
    commenting_on_an_unknown_article_is_not_found,
    list_is_oldest_first_for_one_article_as_the_viewer_sees_it,
    only_the_author_deletes_a_comment_and_only_on_its_article,
);
