//! End to end over the real protocol: the demo binary, built with the feature `otel`, exports
//! OTLP/HTTP to a receiver in this test, which decodes what it gets with the OpenTelemetry
//! project's protobuf definitions. A 200, a 503 continuing a `traceparent`, a 400 and a 404,
//! then SIGTERM: every span, the metrics and the error log records arrive, none lost.
#![cfg(all(feature = "otel", unix))]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{Span, span, status};
use prost::Message;
use tokio::net::{TcpListener, TcpStream};

/// The bodies received, by path.
type Received = Arc<Mutex<BTreeMap<String, Vec<Bytes>>>>;

/// An OTLP/HTTP receiver: stores every POST body by path and answers 200.
async fn receiver() -> (std::net::SocketAddr, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let received = Received::default();
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: Request<Incoming>| {
                    let store = store.clone();
                    async move {
                        let path = request.uri().path().to_owned();
                        let body = request.into_body().collect().await?.to_bytes();
                        store.lock().unwrap().entry(path).or_default().push(body);
                        Ok::<_, hyper::Error>(Response::new(Full::new(Bytes::new())))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, received)
}

/// Sends `GET path` to the demo, with `headers`; returns the status.
async fn get(addr: &str, path: &str, headers: &[(&str, &str)]) -> u16 {
    let stream = TcpStream::connect(addr).await.expect("connect to the demo");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let mut request = Request::get(path).header("host", addr);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Empty::<Bytes>::new()).expect("a request");
    sender
        .send_request(request)
        .await
        .expect("a response")
        .status()
        .as_u16()
}

fn text(value: &Option<AnyValue>) -> String {
    match value.as_ref().and_then(|value| value.value.as_ref()) {
        Some(any_value::Value::StringValue(text)) => text.clone(),
        Some(any_value::Value::IntValue(number)) => number.to_string(),
        other => format!("{other:?}"),
    }
}

fn attribute(attributes: &[KeyValue], key: &str) -> Option<String> {
    attributes
        .iter()
        .find(|kv| kv.key == key)
        .map(|kv| text(&kv.value))
}

fn decoded<M: Message + Default>(received: &Received, path: &str) -> Vec<M> {
    received
        .lock()
        .unwrap()
        .get(path)
        .map(|bodies| {
            bodies
                .iter()
                .map(|body| M::decode(body.clone()).expect("an OTLP protobuf body"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_exports_spans_metrics_and_logs_and_loses_none_on_sigterm() {
    let (collector, received) = receiver().await;
    let mut demo = Command::new(env!("CARGO_BIN_EXE_demo"))
        .env("PORT", "0")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{collector}"))
        .env("OTEL_SERVICE_NAME", "demo-under-test")
        // Long enough that only the shutdown flush can deliver the spans.
        .env("OTEL_BSP_SCHEDULE_DELAY", "600000")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "600000")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the demo starts");
    let stderr = demo.stderr.take().expect("stderr");
    let addr = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stderr).lines();
        let line = lines
            .find_map(|line| {
                let line = line.ok()?;
                line.strip_prefix("watchful demo on http://").map(|rest| {
                    rest.split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                })
            })
            .expect("the demo prints its address");
        // Keep draining stderr so that the demo never blocks on it.
        std::thread::spawn(move || lines.for_each(drop));
        line
    })
    .await
    .expect("the address");

    let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    assert_eq!(get(&addr, "/hello/ada", &[]).await, 200);
    assert_eq!(
        get(&addr, "/orders/7", &[("traceparent", traceparent)]).await,
        503
    );
    assert_eq!(get(&addr, "/orders/seven", &[]).await, 400);
    assert_eq!(get(&addr, "/nowhere", &[]).await, 404);

    let status = Command::new("kill")
        .args(["-TERM", &demo.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || demo.wait())
        .await
        .expect("join")
        .expect("the demo exits");
    assert!(exit.success(), "{exit:?}");

    // Spans: one server span per request, each with its name, status and attributes.
    let traces: Vec<ExportTraceServiceRequest> = decoded(&received, "/v1/traces");
    let mut service_names = Vec::new();
    let spans: Vec<Span> = traces
        .into_iter()
        .flat_map(|request| request.resource_spans)
        .inspect(|resource| {
            if let Some(resource) = &resource.resource {
                service_names.extend(attribute(&resource.attributes, "service.name"));
            }
        })
        .flat_map(|resource| resource.scope_spans)
        .flat_map(|scope| scope.spans)
        .collect();
    assert!(service_names.iter().all(|name| name == "demo-under-test"));
    let server: BTreeMap<String, &Span> = spans
        .iter()
        .filter(|span| span.kind == span::SpanKind::Server as i32)
        .map(|span| (span.name.clone(), span))
        .collect();
    assert_eq!(
        server.keys().collect::<Vec<_>>(),
        ["GET", "GET /hello/{name}", "GET /orders/{id}"],
        "{spans:#?}"
    );
    let hello = server["GET /hello/{name}"];
    assert_eq!(
        attribute(&hello.attributes, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(
        hello.status.as_ref().map_or(0, |s| s.code),
        status::StatusCode::Unset as i32
    );
    let not_found = server["GET"];
    assert_eq!(
        attribute(&not_found.attributes, "http.response.status_code").as_deref(),
        Some("404")
    );
    let orders: Vec<&Span> = spans
        .iter()
        .filter(|span| span.name == "GET /orders/{id}")
        .collect();
    assert_eq!(orders.len(), 2);
    let unavailable = orders
        .iter()
        .find(|span| {
            attribute(&span.attributes, "http.response.status_code").as_deref() == Some("503")
        })
        .expect("the 503");
    assert_eq!(
        hex(&unavailable.trace_id),
        "0af7651916cd43dd8448eb211c80319c"
    );
    assert_eq!(hex(&unavailable.parent_span_id), "b7ad6b7169203331");
    let error_status = unavailable.status.as_ref().expect("a status");
    assert_eq!(error_status.code, status::StatusCode::Error as i32);
    assert_eq!(error_status.message, "order 7 could not be loaded");
    let exception = unavailable
        .events
        .iter()
        .find(|event| event.name == "exception")
        .expect("the exception event");
    assert_eq!(
        attribute(&exception.attributes, "exception.message").as_deref(),
        Some("order 7 could not be loaded")
    );
    let bad = orders
        .iter()
        .find(|span| {
            attribute(&span.attributes, "http.response.status_code").as_deref() == Some("400")
        })
        .expect("the 400");
    assert_eq!(
        bad.status.as_ref().map_or(0, |s| s.code),
        status::StatusCode::Unset as i32
    );

    // Metrics: the duration histogram, one point per route and status.
    let metrics: Vec<ExportMetricsServiceRequest> = decoded(&received, "/v1/metrics");
    let names: Vec<String> = metrics
        .iter()
        .flat_map(|request| &request.resource_metrics)
        .flat_map(|resource| &resource.scope_metrics)
        .flat_map(|scope| &scope.metrics)
        .map(|metric| metric.name.clone())
        .collect();
    assert!(
        names
            .iter()
            .any(|name| name == "http.server.request.duration"),
        "{names:?}"
    );
    assert!(
        names.iter().any(|name| name == "watchful.server.errors"),
        "{names:?}"
    );

    // Logs: the ERROR event of each error, correlated with its trace.
    let logs: Vec<ExportLogsServiceRequest> = decoded(&received, "/v1/logs");
    let errors: Vec<_> = logs
        .iter()
        .flat_map(|request| &request.resource_logs)
        .flat_map(|resource| &resource.scope_logs)
        .flat_map(|scope| &scope.log_records)
        .filter(|record| record.severity_text == "ERROR")
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|record| hex(&record.trace_id) == "0af7651916cd43dd8448eb211c80319c")
    );
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
