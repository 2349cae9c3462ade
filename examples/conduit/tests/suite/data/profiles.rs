use conduit::profiles::{self, ProfileError};
use conduit::users::UserId;

use crate::common::TestDb;

async fn get_shows_the_profile_and_whether_the_viewer_follows(t: TestDb) {
    let jake = t.user("jake").await;
    let anna = t.user("anna").await;
    let anonymous = profiles::get(&t.db, None, "jake").await.expect("found");
    assert_eq!(anonymous.username, "jake");
    assert!(!anonymous.following);
    profiles::follow(&t.db, anna.id, "jake")
        .await
        .expect("follows");
    assert!(
        profiles::get(&t.db, Some(anna.id), "jake")
            .await
            .expect("found")
            .following
    );
    assert!(
        !profiles::get(&t.db, Some(jake.id), "anna")
            .await
            .expect("found")
            .following
    );
    assert!(
        !profiles::get(&t.db, None, "jake")
            .await
            .expect("found")
            .following
    );
}

async fn get_an_unknown_username_is_not_found(t: TestDb) {
    let err = profiles::get(&t.db, None, "nobody")
        .await
        .expect_err("unknown");
    assert!(matches!(err, ProfileError::NotFound), "{err:?}");
}

async fn follow_and_unfollow_are_idempotent(t: TestDb) {
    t.user("jake").await;
    let anna = t.user("anna").await;
    for _ in 0..2 {
        let profile = profiles::follow(&t.db, anna.id, "jake")
            .await
            .expect("follows");
        assert!(profile.following);
        assert_eq!(profile.username, "jake");
    }
    for _ in 0..2 {
        let profile = profiles::unfollow(&t.db, anna.id, "jake")
            .await
            .expect("unfollows");
        assert!(!profile.following);
    }
    assert!(
        !profiles::get(&t.db, Some(anna.id), "jake")
            .await
            .expect("found")
            .following
    );
}

async fn following_oneself_is_refused(t: TestDb) {
    let jake = t.user("jake").await;
    let err = profiles::follow(&t.db, jake.id, "jake")
        .await
        .expect_err("self");
    assert!(matches!(err, ProfileError::FollowSelf), "{err:?}");
}

async fn following_or_unfollowing_an_unknown_user_is_not_found(t: TestDb) {
    let anna = t.user("anna").await;
    let err = profiles::follow(&t.db, anna.id, "nobody")
        .await
        .expect_err("unknown");
    assert!(matches!(err, ProfileError::NotFound), "{err:?}");
    let err = profiles::unfollow(&t.db, anna.id, "nobody")
        .await
        .expect_err("unknown");
    assert!(matches!(err, ProfileError::NotFound), "{err:?}");
    // A follower id with no account behind it (deleted after its token was issued).
    let err = profiles::follow(&t.db, UserId(999), "anna")
        .await
        .expect_err("no follower");
    assert!(matches!(err, ProfileError::Db(_)), "{err:?}");
}

on_both_databases!(
    get_shows_the_profile_and_whether_the_viewer_follows,
    get_an_unknown_username_is_not_found,
    follow_and_unfollow_are_idempotent,
    following_oneself_is_refused,
    following_or_unfollowing_an_unknown_user_is_not_found,
);
