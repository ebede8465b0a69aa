//! The published OpenAPI 3.1 documents, one per dialect and one for the
//! platform routes, served as committed (`host/openapi/`) without a token:
//! client generators and schema-driven test tools read them from the server.

use axum::http::header;
use axum::response::{IntoResponse, Response};

const BLUEROCKTEL: &str = include_str!("../../openapi/bluerocktel.json");
const HELPERIQ: &str = include_str!("../../openapi/helperiq.json");
const RELATECRM: &str = include_str!("../../openapi/relatecrm.json");
const PLATFORM: &str = include_str!("../../openapi/platform.json");

fn document(text: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        text,
    )
        .into_response()
}

pub(super) async fn bluerocktel() -> Response {
    document(BLUEROCKTEL)
}

pub(super) async fn helperiq() -> Response {
    document(HELPERIQ)
}

pub(super) async fn relatecrm() -> Response {
    document(RELATECRM)
}

pub(super) async fn platform() -> Response {
    document(PLATFORM)
}
