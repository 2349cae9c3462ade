//! Each response type's status, headers and body; failures that become a 500; streamed bodies.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, LOCATION, SET_COOKIE};
use http::{HeaderMap, HeaderValue, StatusCode};
use http_body::Body as _;
use http_body_util::BodyExt;

use super::body::TEXT_PLAIN;
use super::into_response::OCTETS;
use super::*;
use crate::component::adapter::BoxFuture;

async fn text(response: Response) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[tokio::test]
async fn conversions_set_status_type_and_body() {
    let response = (StatusCode::CREATED, "made").into_response();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()[CONTENT_TYPE], TEXT_PLAIN);
    assert_eq!(text(response).await, "made");

    let response = vec![1u8, 2].into_response();
    assert_eq!(response.headers()[CONTENT_TYPE], OCTETS);

    let response = StatusCode::NO_CONTENT.into_response();
    assert!(response.body().is_end_stream());
}

#[tokio::test]
async fn body_types() {
    let response = Json(serde_json::json!({ "a": [1, 2] })).into_response();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    assert_eq!(response.body().size_hint().exact(), Some(11));
    assert_eq!(text(response).await, r#"{"a":[1,2]}"#);

    let response = Html("<p>hi</p>").into_response();
    assert_eq!(response.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    assert_eq!(text(response).await, "<p>hi</p>");

    let response = Text(Bytes::from_static(b"plain")).into_response();
    assert_eq!(response.headers()[CONTENT_TYPE], TEXT_PLAIN);
    assert_eq!(text(response).await, "plain");

    let response = NoContent.into_response();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(response.headers().is_empty());
    assert!(response.body().is_end_stream());
    assert_eq!(response.body().size_hint().exact(), Some(0));
}

#[tokio::test]
async fn a_json_value_that_does_not_serialise_is_an_observed_500() {
    let mut map = BTreeMap::new();
    map.insert((1, 2), "non-string keys are not JSON");
    let mut response = Json(map).into_response();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let error = take_failure(&mut response).expect("the failure is carried");
    assert!(error.downcast_ref::<JsonResponseError>().is_some());
    assert_eq!(
        error.to_string(),
        "the response value could not be serialised as JSON"
    );
    assert_eq!(
        error.sources().next().unwrap().to_string(),
        "key must be a string"
    );
    assert!(take_failure(&mut response).is_none(), "taken once");
    assert_eq!(text(response).await, "500 Internal Server Error");

    // A status set around it does not hide the failure.
    let response = (StatusCode::CREATED, Json(BTreeMap::from([((1, 2), 3)]))).into_response();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn redirects() {
    let cases = [
        (Redirect::to("/a"), StatusCode::TEMPORARY_REDIRECT),
        (Redirect::permanent("/a"), StatusCode::PERMANENT_REDIRECT),
        (Redirect::see_other("/a"), StatusCode::SEE_OTHER),
    ];
    for (redirect, status) in cases {
        assert_eq!(redirect.status(), status);
        let response = redirect.into_response();
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()[LOCATION], "/a");
        assert!(response.body().is_end_stream());
    }

    let mut response = Redirect::to("/a\nSet-Cookie: x=1").into_response();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.headers().get(LOCATION).is_none());
    let error = take_failure(&mut response).unwrap();
    assert_eq!(
        error.to_string(),
        "the response header `location` has an invalid value"
    );
    assert_eq!(
        error
            .downcast_ref::<InvalidResponseHeader>()
            .unwrap()
            .name(),
        "location"
    );
}

#[tokio::test]
async fn headers_and_cookies_before_the_body() {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/csv"));
    headers.append("x-tag", HeaderValue::from_static("a"));
    headers.append("x-tag", HeaderValue::from_static("b"));
    let response = (StatusCode::ACCEPTED, headers.clone(), "a,b").into_response();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()[CONTENT_TYPE], "text/csv");
    let tags: Vec<_> = response.headers().get_all("x-tag").iter().collect();
    assert_eq!(tags, ["a", "b"]);

    let response = (headers, Json(1)).into_response();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "text/csv");

    let mut cookies = ResponseCookies::new();
    cookies.add(Cookie::new("session", "a b;c"));
    cookies.remove("old");
    let response = (StatusCode::CREATED, cookies, HeaderMap::new(), "ok").into_response();
    assert_eq!(response.status(), StatusCode::CREATED);
    let set: Vec<_> = response.headers().get_all(SET_COOKIE).iter().collect();
    assert_eq!(set.len(), 2);
    assert_eq!(set[0], "session=a%20b%3Bc");
    assert!(
        set[1].to_str().unwrap().starts_with("old=; "),
        "{:?}",
        set[1]
    );
}

#[tokio::test]
async fn builder_sets_status_headers_and_cookies() {
    let response = builder()
        .status(StatusCode::CREATED)
        .header("location", "/users/7")
        .header("content-type", "application/vnd.user+json")
        .cookie(Cookie::new("seen", "1"))
        .body(Json(7));
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()[LOCATION], "/users/7");
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "application/vnd.user+json"
    );
    assert_eq!(response.headers()[SET_COOKIE], "seen=1");
    assert_eq!(text(response).await, "7");

    let response = builder().empty();
    assert_eq!(response.status(), StatusCode::OK);

    for mut response in [
        builder().header("bad name", "x").body("x"),
        builder().header("x-ok", "new\nline").body("x"),
    ] {
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let error = take_failure(&mut response).unwrap();
        assert!(error.downcast_ref::<InvalidResponseHeader>().is_some());
    }
}

fn chunks(items: Vec<Result<&'static str, std::io::Error>>) -> Body {
    Body::from_stream(iter_stream(
        items
            .into_iter()
            .map(|item| item.map(|s| Bytes::from_static(s.as_bytes()))),
    ))
}

#[tokio::test]
async fn a_stream_body_sends_its_chunks() {
    let body = chunks(vec![Ok("a"), Ok(""), Ok("bc")]);
    assert!(!body.is_end_stream());
    assert_eq!(body.size_hint().exact(), None);
    let mut body = body;
    let mut got = Vec::new();
    while let Some(frame) = body.frame().await {
        got.push(frame.unwrap().into_data().unwrap());
    }
    assert_eq!(got, ["a", "bc"]);
    assert!(body.is_end_stream());

    let response =
        Body::from_stream(iter_stream([Ok::<_, std::io::Error>(Bytes::from("x"))])).into_response();
    assert!(response.headers().get(CONTENT_TYPE).is_none());
    assert_eq!(text(response).await, "x");
}

/// Counts reports, and takes one poll to finish each, like an observer that awaits.
struct CountingReporter(Arc<AtomicUsize>, Arc<std::sync::Mutex<Vec<String>>>);

impl StreamErrorReporter for CountingReporter {
    fn report(self: Box<Self>, error: crate::Error) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            self.0.fetch_add(1, Ordering::SeqCst);
            self.1
                .lock()
                .unwrap()
                .push(format!("{}: {}", error.type_name(), error));
        })
    }
}

#[tokio::test]
async fn a_stream_error_is_reported_once_then_returned() {
    let (count, seen) = (Arc::new(AtomicUsize::new(0)), Arc::default());
    let mut body = chunks(vec![
        Ok("a"),
        Err(std::io::Error::other("disk gone")),
        Ok("never sent"),
    ]);
    body.set_error_reporter(|| Box::new(CountingReporter(count.clone(), Arc::clone(&seen))));

    assert_eq!(
        body.frame().await.unwrap().unwrap().into_data().unwrap(),
        "a"
    );
    let error = body.frame().await.unwrap().unwrap_err();
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "reported before the error is returned"
    );
    assert!(
        error.to_string().contains("the error was reported"),
        "{error}"
    );
    assert_eq!(
        seen.lock().unwrap().as_slice(),
        ["std::io::error::Error: disk gone"]
    );
    assert!(body.frame().await.is_none());
    assert!(body.is_end_stream());
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn without_a_reporter_the_stream_error_itself_is_returned() {
    let mut body = chunks(vec![Err(std::io::Error::other("disk gone"))]);
    let error = body.frame().await.unwrap().unwrap_err();
    assert_eq!(error.to_string(), "disk gone");
    assert!(body.frame().await.is_none());

    // In-memory bodies ignore a reporter.
    let mut body = Body::from_bytes("x");
    body.set_error_reporter(|| Box::new(CountingReporter(Arc::default(), Arc::default())));
    assert_eq!(text(Response::new(body)).await, "x");
}
