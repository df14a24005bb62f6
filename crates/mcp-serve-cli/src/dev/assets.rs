//! The page: plain HTML, CSS and JavaScript modules compiled into the binary
//! (no npm build step). Served with a strict Content-Security-Policy: the
//! page renders what an untrusted server sends, so nothing but our own
//! scripts may run, and images and audio may only come from `data:` URIs.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// (name, content type, contents).
const FILES: [(&str, &str, &str); 15] = [
    ("style.css", "text/css", include_str!("assets/style.css")),
    ("app.js", "text/javascript", include_str!("assets/app.js")),
    ("api.js", "text/javascript", include_str!("assets/api.js")),
    ("dom.js", "text/javascript", include_str!("assets/dom.js")),
    ("forms.js", "text/javascript", include_str!("assets/forms.js")),
    ("render.js", "text/javascript", include_str!("assets/render.js")),
    ("runner.js", "text/javascript", include_str!("assets/runner.js")),
    ("catalog.js", "text/javascript", include_str!("assets/catalog.js")),
    ("tools.js", "text/javascript", include_str!("assets/tools.js")),
    (
        "resources.js",
        "text/javascript",
        include_str!("assets/resources.js"),
    ),
    ("prompts.js", "text/javascript", include_str!("assets/prompts.js")),
    ("history.js", "text/javascript", include_str!("assets/history.js")),
    ("inputs.js", "text/javascript", include_str!("assets/inputs.js")),
    ("server.js", "text/javascript", include_str!("assets/server.js")),
    ("favicon.svg", "image/svg+xml", include_str!("assets/favicon.svg")),
];

const INDEX: &str = include_str!("assets/index.html");

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   media-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

/// The page routes.
pub(crate) fn routes() -> Router {
    Router::new()
        .route("/", get(|| async { page("text/html", INDEX) }))
        .route("/assets/{name}", get(asset))
        .route(
            "/favicon.ico",
            get(|| async { asset(Path("favicon.svg".to_owned())).await }),
        )
}

async fn asset(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == name) {
        Some((_, kind, body)) => page(kind, body),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

fn page(kind: &str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, format!("{kind}; charset=utf-8")),
            // Always the binary's own copy, never a stale one from an older run.
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::CONTENT_SECURITY_POLICY, CSP.to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::REFERRER_POLICY, "no-referrer".to_owned()),
            (header::X_FRAME_OPTIONS, "DENY".to_owned()),
        ],
        body,
    )
        .into_response()
}
