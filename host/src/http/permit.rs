//! Permission before validation (spec §4). The host parses what the wire
//! carries (bodies, path ids, query parameters) before it can call an
//! operation, and the operation checks the caller's scope first; so when the
//! host refuses the input itself, it first asks the component whether the
//! caller may run the operation at all. A caller without the right gets 403
//! and learns nothing about the input. The rule stays the component's
//! (`authorize`); valid requests do not pay for the question.

use axum::response::Response;

use super::{Authed, Shared, call};
use crate::bindings::api::Operation;
use crate::bindings::types::{Dialect, Error};

/// The input the host parsed, as a handler's `?` takes it: its value, or
/// the answer to its refusal ([`refusal`]).
pub async fn checked<T>(
    app: &Shared,
    auth: &Authed,
    dialect: Dialect,
    operation: Operation,
    input: Result<T, Response>,
    render: impl FnOnce(Error) -> Response,
) -> Result<T, Response> {
    match input {
        Ok(value) => Ok(value),
        Err(invalid) => Err(refusal(app, auth, dialect, operation, invalid, render).await),
    }
}

/// `invalid`, the answer to input the host refused, unless the caller may
/// not run `operation`: then the component's refusal, rendered by `render`.
async fn refusal(
    app: &Shared,
    auth: &Authed,
    dialect: Dialect,
    operation: Operation,
    invalid: Response,
    render: impl FnOnce(Error) -> Response,
) -> Response {
    let cx = auth.context(dialect);
    match call(app, move |api, s| api.call_authorize(s, &cx, operation)).await {
        Ok(Err(e @ Error::Forbidden(_))) => render(e),
        // Allowed (or the question trapped, which is logged): the input's
        // own answer stands.
        _ => invalid,
    }
}
