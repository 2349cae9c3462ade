//! `POST /api/users`, `POST /api/users/login`, `GET /api/user`, `PUT /api/user`, and the
//! token rules every authenticated endpoint follows.

use conduit::token::Tokens;
use conduit::users::UserId;
use serde_json::json;
use watchful::http::StatusCode;

use super::TestApp;
use crate::common::TestDb;

async fn register_answers_201_with_the_user_and_a_working_token(t: TestDb) {
    let app = TestApp::new(t).await;
    let body = json!({ "user": {
        "username": "jake", "email": "jake@jake.jake", "password": "jakejake"
    }});
    let user = app
        .ok(
            app.client.post("/api/users").json(&body),
            StatusCode::CREATED,
        )
        .await;
    let token = user["user"]["token"].as_str().expect("a token").to_owned();
    assert_eq!(
        user,
        json!({ "user": {
            "email": "jake@jake.jake", "token": token, "username": "jake",
            "bio": null, "image": null
        }})
    );

    let me = app
        .ok(
            app.auth(app.client.get("/api/user"), &token),
            StatusCode::OK,
        )
        .await;
    assert_eq!(me, user);
}

async fn register_refuses_invalid_input_with_422(t: TestDb) {
    let app = TestApp::new(t).await;
    app.register("jake").await;
    let post = || app.client.post("/api/users");
    let user = |username: &str, email: &str| json!({ "user": { "username": username, "email": email, "password": "pw" } });

    app.error(
        post().json(&json!({ "user": { "username": " " } })),
        StatusCode::UNPROCESSABLE_ENTITY,
        &[
            "username can't be blank",
            "email can't be blank",
            "password can't be blank",
        ],
    )
    .await;
    app.error(
        post().json(&user("jake", "other@example.com")),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["username has already been taken"],
    )
    .await;
    app.error(
        post().json(&user("other", "jake@example.com")),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["email has already been taken"],
    )
    .await;
    // Bodies that do not parse: the spec has one code for invalid input.
    app.error(
        post().json(&json!({ "username": "no envelope" })),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["invalid JSON: missing field `user` at line 1 column 26"],
    )
    .await;
    app.error(
        post()
            .header("content-type", "application/json")
            .body("{\"user\":"),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["malformed JSON: EOF while parsing a value at line 1 column 8"],
    )
    .await;
    app.error(
        post().body("username=jake"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &["expected `Content-Type: application/json`, the request has none"],
    )
    .await;
}

async fn login_answers_the_user_or_401(t: TestDb) {
    let app = TestApp::new(t).await;
    app.register("jake").await;
    let login = |email: &str, password: &str| {
        app.client
            .post("/api/users/login")
            .json(&json!({ "user": { "email": email, "password": password } }))
    };

    let user = app
        .ok(login("jake@example.com", "jake-password"), StatusCode::OK)
        .await;
    assert_eq!(user["user"]["username"], "jake");
    let token = user["user"]["token"].as_str().expect("a token");
    app.ok(app.auth(app.client.get("/api/user"), token), StatusCode::OK)
        .await;

    for (email, password) in [
        ("jake@example.com", "wrong"),
        ("nobody@example.com", "jake-password"),
    ] {
        app.error(
            login(email, password),
            StatusCode::UNAUTHORIZED,
            &["email or password is invalid"],
        )
        .await;
    }
    app.error(
        login("", "x"),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["email can't be blank"],
    )
    .await;
}

async fn a_missing_or_bad_token_is_401_with_a_token_challenge(t: TestDb) {
    let app = TestApp::new(t).await;
    let token = app.register("jake").await;
    let forged = Tokens::new(b"another secret", conduit::token::DEFAULT_TOKEN_TTL)
        .expect("a usable secret")
        .issue(UserId(1))
        .expect("issues");

    let response = app
        .error(
            app.client.get("/api/user"),
            StatusCode::UNAUTHORIZED,
            &["missing Authorization header"],
        )
        .await;
    assert_eq!(response.header("www-authenticate"), Some("Token"));
    app.error(
        app.client
            .get("/api/user")
            .header("authorization", &format!("Bearer {token}")),
        StatusCode::UNAUTHORIZED,
        &["the Authorization header must be `Token <jwt>`"],
    )
    .await;
    let event = &app.telemetry.error_events()[0];
    assert_eq!(
        event.field("error.msg"),
        Some("the Authorization header must be `Token <jwt>`")
    );
    for bad in [forged.as_str(), "not.a.jwt"] {
        app.error(
            app.auth(app.client.get("/api/user"), bad),
            StatusCode::UNAUTHORIZED,
            &["invalid token"],
        )
        .await;
        // The cause is logged, not sent.
        let event = &app.telemetry.error_events()[0];
        let chain = event.field("error.source_chain").unwrap_or_default();
        assert!(chain.starts_with("the token is invalid\n"), "{chain}");
    }
}

async fn update_changes_the_given_fields(t: TestDb) {
    let app = TestApp::new(t).await;
    let token = app.register("jake").await;
    app.register("jane").await;
    let put = |user: serde_json::Value| {
        app.auth(app.client.put("/api/user"), &token)
            .json(&json!({ "user": user }))
    };

    let user = app
        .ok(
            put(json!({ "email": "jake@jake.jake", "bio": "I work at statefarm", "password": "new" })),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        user,
        json!({ "user": {
            "email": "jake@jake.jake", "token": token, "username": "jake",
            "bio": "I work at statefarm", "image": null
        }})
    );
    let login = json!({ "user": { "email": "jake@jake.jake", "password": "new" } });
    app.ok(
        app.client.post("/api/users/login").json(&login),
        StatusCode::OK,
    )
    .await;

    app.error(
        put(json!({})),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["user must have at least one field to update"],
    )
    .await;
    app.error(
        put(json!({ "username": "", "image": "x" })),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["username can't be blank"],
    )
    .await;
    app.error(
        put(json!({ "username": "jane" })),
        StatusCode::UNPROCESSABLE_ENTITY,
        &["username has already been taken"],
    )
    .await;
    app.error(
        app.client
            .put("/api/user")
            .json(&json!({ "user": { "bio": "x" } })),
        StatusCode::UNAUTHORIZED,
        &["missing Authorization header"],
    )
    .await;
}

on_both_databases!(
    register_answers_201_with_the_user_and_a_working_token,
    register_refuses_invalid_input_with_422,
    login_answers_the_user_or_401,
    a_missing_or_bad_token_is_401_with_a_token_challenge,
    update_changes_the_given_fields,
);
