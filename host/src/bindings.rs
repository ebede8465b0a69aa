//! Host-side bindings generated from `wit/contacts.wit` (and, below, from
//! `wit/extension`).
//!
//! Imports are `trappable`: a capability whose backend fails (the database is
//! gone) traps the instance, which fails only the request that was running.

wasmtime::component::bindgen!({
    world: "contacts",
    path: "../wit",
    imports: { default: trappable },
    anyhow: true,
});

pub use contacts::core::{directory, hooks, store, types};
pub use exports::contacts::core::api;

impl types::Dialect {
    /// Every dialect, in the order help texts list them.
    pub const ALL: [types::Dialect; 3] = [
        types::Dialect::Bluerocktel,
        types::Dialect::Helperiq,
        types::Dialect::Relatecrm,
    ];

    /// The dialect's name on the wire (`X-Contacts-Dialect`, `--dialect`,
    /// metric labels): the one spelling of each.
    pub fn name(self) -> &'static str {
        match self {
            types::Dialect::Bluerocktel => "bluerocktel",
            types::Dialect::Helperiq => "helperiq",
            types::Dialect::Relatecrm => "relatecrm",
        }
    }

    /// A dialect by name, trimmed and in any case.
    pub fn parse(name: &str) -> Option<types::Dialect> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }
}

impl types::PhoneType {
    /// The type's name as every dialect and file format writes it.
    pub fn name(self) -> &'static str {
        match self {
            types::PhoneType::Mobile => "mobile",
            types::PhoneType::Landline => "landline",
            types::PhoneType::Work => "work",
            types::PhoneType::Home => "home",
            types::PhoneType::Fax => "fax",
            types::PhoneType::Other => "other",
        }
    }
}

impl api::ContactPatch {
    /// A patch that changes nothing; set the fields a request names.
    pub fn empty() -> api::ContactPatch {
        api::ContactPatch {
            civility: None,
            first_name: None,
            last_name: None,
            email: None,
            role: None,
            service: None,
            mobile_phone: None,
            landline_phone: None,
            primary_phone: None,
            phones: None,
            legal_representative: None,
            invoices_recipient: None,
            newsletters_recipient: None,
            is_signer_contract: None,
            is_signer_iban: None,
            profunction_id: None,
            comment: None,
            permissions: None,
            source: None,
            avatar_url: None,
            custom_attributes: None,
            user_id: None,
            source_id: None,
            street: None,
            city: None,
            state: None,
            postal_code: None,
            country_id: None,
            custom_fields: Vec::new(),
            companies: None,
            deals: None,
        }
    }
}

/// Host-side bindings of `wit/extension`, the world third-party extensions
/// are built against. Imports are `trappable` too: a key-value space whose
/// database fails traps the extension, and its failure policy decides.
pub mod extension {
    wasmtime::component::bindgen!({
        world: "extension",
        path: "../wit/extension",
        imports: { default: trappable },
        anyhow: true,
    });

    pub use contacts::extension::{kv, log, types};
    pub use exports::contacts::extension::hooks;
}
