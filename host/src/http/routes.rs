//! The route table: every (method, path) the server answers, written once.
//! The router is built from it, and the OpenAPI test reads the same list
//! ([`ROUTES`]) to hold the published documents against what is served.

use axum::Router;
use axum::routing::MethodRouter;

use super::Shared;
use super::{bluerocktel, console, helperiq, openapi, ops, platform, relatecrm, session};

/// Declares the table once: the router and [`ROUTES`] both come from it.
macro_rules! table {
    ($( $path:literal => { $( $method:ident : $handler:expr ),+ $(,)? } )*) => {
        /// Every `(method, path)` the router serves: lowercase method names,
        /// paths in axum's pattern syntax (`/api/v1/contacts/{id}`).
        pub const ROUTES: &[(&str, &str)] = &[ $( $( (stringify!($method), $path), )+ )* ];

        /// The router of every route in the table.
        pub(super) fn router() -> Router<Shared> {
            Router::new() $( .route($path, MethodRouter::new() $( .$method($handler) )+ ) )*
        }
    };
}

table! {
    // Sessions and the caller.
    "/api/login" => { post: session::login }
    "/api/v1/agents/me" => { get: session::me }
    "/api/v1/events" => { get: session::events }
    // BlueRockTEL and HelperIQ (shared paths choose their dialect, spec §2).
    "/api/v1/contacts" => { get: super::contacts_index, post: bluerocktel::create }
    "/api/v1/contacts/numbers" => { get: bluerocktel::numbers }
    "/api/v1/contacts/quick" => { post: helperiq::quick }
    "/api/v1/contacts/search" => { get: helperiq::search }
    "/api/v1/contacts/{id}/block" => { put: helperiq::block }
    "/api/v1/contacts/{id}/conversations" => { get: helperiq::conversations }
    "/api/v1/contacts/{id}/notes" => { get: helperiq::notes, post: helperiq::add_note }
    "/api/v1/contacts/{id}/notes/{note_id}" => {
        delete: helperiq::delete_note,
        put: helperiq::note_not_editable,
        patch: helperiq::note_not_editable,
    }
    "/api/v1/contacts/{id}" => {
        get: super::contacts_show,
        put: super::contacts_update,
        delete: super::contacts_destroy,
    }
    "/api/v1/contacts/{id}/accounts" => { get: bluerocktel::accounts }
    "/api/v1/contacts/{id}/coworkers" => { get: bluerocktel::coworkers }
    // RelateCRM.
    "/api/contacts" => { get: relatecrm::index, post: relatecrm::create }
    "/api/contacts/search" => { get: relatecrm::search }
    "/api/contacts/{id}" => {
        get: relatecrm::show,
        put: relatecrm::update,
        delete: relatecrm::destroy,
    }
    "/api/associations/contacts/{id}" => {
        put: relatecrm::attach,
        delete: relatecrm::detach,
        post: relatecrm::sync,
    }
    // The platform directory (spec §7).
    "/api/v1/customers" => { post: platform::create_customer }
    "/api/v1/prospects" => { post: platform::create_prospect }
    "/api/companies" => { post: platform::create_company }
    "/api/deals" => { post: platform::create_deal }
    "/api/activities" => { post: platform::create_activity }
    "/api/v1/conversations" => { post: platform::create_conversation }
    "/api/v1/clients" => { post: platform::create_client }
    "/api/v1/clients/{id}" => { get: platform::show_client }
    // Operations, documents and the console: no token.
    "/" => { get: ops::landing }
    "/healthz" => { get: ops::healthz }
    "/readyz" => { get: ops::readyz }
    "/metrics" => { get: ops::metrics }
    "/openapi/bluerocktel.json" => { get: openapi::bluerocktel }
    "/openapi/helperiq.json" => { get: openapi::helperiq }
    "/openapi/relatecrm.json" => { get: openapi::relatecrm }
    "/openapi/platform.json" => { get: openapi::platform }
    "/console" => { get: console::page }
    "/console/{file}" => { get: console::asset }
}
