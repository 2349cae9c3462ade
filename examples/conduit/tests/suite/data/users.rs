use std::error::Error as _;

use conduit::db::DbError;
use conduit::users::{self, NewUser, UniqueField, UserError, UserId, UserUpdate};

use crate::common::TestDb;

async fn register_returns_the_user_without_bio_or_image(t: TestDb) {
    let new = NewUser {
        username: "jake",
        email: "jake@jake.jake",
        password: "jakejake",
    };
    let jake = users::register(&t.db, &t.passwords, new)
        .await
        .expect("registers");
    assert_eq!(jake.username, "jake");
    assert_eq!(jake.email, "jake@jake.jake");
    assert_eq!((jake.bio, jake.image), (None, None));
    let found = users::find(&t.db, jake.id).await.expect("finds");
    assert_eq!(found.username, "jake");
}

async fn register_with_a_taken_email_or_username_names_the_field(t: TestDb) {
    t.user("jake").await;
    let err = users::register(
        &t.db,
        &t.passwords,
        NewUser {
            username: "other",
            email: "jake@example.com",
            password: "pw",
        },
    )
    .await
    .expect_err("email taken");
    assert!(
        matches!(
            err,
            UserError::Taken {
                field: UniqueField::Email
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "email has already been taken");

    let err = users::register(
        &t.db,
        &t.passwords,
        NewUser {
            username: "jake",
            email: "other@example.com",
            password: "pw",
        },
    )
    .await
    .expect_err("username taken");
    assert!(
        matches!(
            err,
            UserError::Taken {
                field: UniqueField::Username
            }
        ),
        "{err:?}"
    );
}

async fn login_accepts_the_right_password_only(t: TestDb) {
    let jake = t.user("jake").await;
    let logged_in = users::login(&t.db, &t.passwords, "jake@example.com", "jake-password")
        .await
        .expect("logs in");
    assert_eq!(logged_in, jake);

    let err = users::login(&t.db, &t.passwords, "jake@example.com", "wrong")
        .await
        .expect_err("wrong password");
    assert!(matches!(err, UserError::InvalidCredentials), "{err:?}");
    let err = users::login(&t.db, &t.passwords, "nobody@example.com", "jake-password")
        .await
        .expect_err("unknown email");
    assert!(matches!(err, UserError::InvalidCredentials), "{err:?}");
}

async fn find_an_unknown_id_is_not_found(t: TestDb) {
    let err = users::find(&t.db, UserId(999)).await.expect_err("no user");
    assert!(matches!(err, UserError::NotFound), "{err:?}");
}

async fn update_changes_only_the_given_fields(t: TestDb) {
    let jake = t.user("jake").await;
    let update = UserUpdate {
        bio: Some("I work at statefarm".into()),
        image: Some("https://example.com/jake.png".into()),
        ..UserUpdate::default()
    };
    let updated = users::update(&t.db, &t.passwords, jake.id, update)
        .await
        .expect("updates");
    assert_eq!(updated.bio.as_deref(), Some("I work at statefarm"));
    assert_eq!(
        updated.image.as_deref(),
        Some("https://example.com/jake.png")
    );
    assert_eq!(
        (updated.email.as_str(), updated.username.as_str()),
        ("jake@example.com", "jake")
    );

    let update = UserUpdate {
        email: Some("jacob@example.com".into()),
        username: Some("jacob".into()),
        password: Some("new-password".into()),
        ..UserUpdate::default()
    };
    let updated = users::update(&t.db, &t.passwords, jake.id, update)
        .await
        .expect("updates");
    assert_eq!(
        (updated.email.as_str(), updated.username.as_str()),
        ("jacob@example.com", "jacob")
    );
    assert_eq!(updated.bio.as_deref(), Some("I work at statefarm"), "kept");
    users::login(&t.db, &t.passwords, "jacob@example.com", "new-password")
        .await
        .expect("the new password works");
    let err = users::login(&t.db, &t.passwords, "jacob@example.com", "jake-password")
        .await
        .expect_err("the old password no longer works");
    assert!(matches!(err, UserError::InvalidCredentials));
}

async fn update_to_a_value_another_user_has_is_a_conflict_but_keeping_ones_own_is_not(t: TestDb) {
    let jake = t.user("jake").await;
    t.user("anna").await;
    let err = users::update(
        &t.db,
        &t.passwords,
        jake.id,
        UserUpdate {
            username: Some("anna".into()),
            ..UserUpdate::default()
        },
    )
    .await
    .expect_err("username taken");
    assert!(
        matches!(
            err,
            UserError::Taken {
                field: UniqueField::Username
            }
        ),
        "{err:?}"
    );
    let err = users::update(
        &t.db,
        &t.passwords,
        jake.id,
        UserUpdate {
            email: Some("anna@example.com".into()),
            ..UserUpdate::default()
        },
    )
    .await
    .expect_err("email taken");
    assert!(
        matches!(
            err,
            UserError::Taken {
                field: UniqueField::Email
            }
        ),
        "{err:?}"
    );

    let same = UserUpdate {
        email: Some("jake@example.com".into()),
        username: Some("jake".into()),
        ..UserUpdate::default()
    };
    users::update(&t.db, &t.passwords, jake.id, same)
        .await
        .expect("own values are free");
}

async fn update_an_unknown_id_is_not_found(t: TestDb) {
    let update = UserUpdate {
        bio: Some("x".into()),
        ..UserUpdate::default()
    };
    let err = users::update(&t.db, &t.passwords, UserId(999), update)
        .await
        .expect_err("no user");
    assert!(matches!(err, UserError::NotFound), "{err:?}");
}

async fn a_failing_database_is_a_db_error_that_keeps_the_sqlx_error_as_source(t: TestDb) {
    let jake = t.user("jake").await;
    t.db.close().await;
    let err = users::find(&t.db, jake.id).await.expect_err("pool closed");
    assert!(
        matches!(err, UserError::Db(DbError::Query(sqlx::Error::PoolClosed))),
        "{err:?}"
    );
    let db_error = err.source().expect("the DbError");
    let sqlx_error = db_error.source().expect("the sqlx error");
    assert!(sqlx_error.downcast_ref::<sqlx::Error>().is_some());
}

on_both_databases!(
    register_returns_the_user_without_bio_or_image,
    register_with_a_taken_email_or_username_names_the_field,
    login_accepts_the_right_password_only,
    find_an_unknown_id_is_not_found,
    update_changes_only_the_given_fields,
    update_to_a_value_another_user_has_is_a_conflict_but_keeping_ones_own_is_not,
    update_an_unknown_id_is_not_found,
    a_failing_database_is_a_db_error_that_keeps_the_sqlx_error_as_source,
);
