//! The only wasm-specific module: generated WIT bindings, conversions between
//! WIT types and domain types, and the ports served by the imports.

use std::sync::{Arc, RwLock};

use crate::model;
use crate::ports;
use crate::service::{
    CallerId, DuplicatePolicy, Engine, ExportFilter, ImportOutcome, ImportRow, Mode, PhoneMatch,
};

wit_bindgen::generate!({ world: "contacts", path: "../wit" });

use contacts::core::{directory, hooks, store, types as wit};
use exports::contacts::core::api::{self, Guest};

struct Component;

export!(Component);

/// Set by a successful `configure`; shared, not copied, by every call. None
/// until then: operations refuse to run on defaults the embedder never chose.
static SETTINGS: RwLock<Option<Arc<model::Settings>>> = RwLock::new(None);

/// The store as the host serves it.
struct HostStore;
/// The directory as the host serves it.
struct HostDirectory;
/// The platform's extensions, as the host runs them.
struct HostHooks;

/// Runs an operation with the configured settings and the host's ports.
fn with_engine<T>(
    f: impl FnOnce(&Engine<'_, HostStore, HostDirectory>) -> Result<T, model::Error>,
) -> Result<T, model::Error> {
    let settings = match SETTINGS.read() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    let settings = settings.ok_or_else(crate::settings::not_configured)?;
    f(&Engine::new(&settings, &HostStore, &HostDirectory).with_hooks(&HostHooks))
}

impl Guest for Component {
    fn configure(settings: api::Settings) -> Result<(), String> {
        let next = crate::settings::check(
            &settings.default_region,
            settings.free_mail_domains,
            settings.custom_fields,
        )?;
        match SETTINGS.write() {
            Ok(mut guard) => *guard = Some(Arc::new(next)),
            Err(poisoned) => *poisoned.into_inner() = Some(Arc::new(next)),
        }
        Ok(())
    }

    fn index_version() -> u32 {
        crate::index::VERSION
    }

    fn reindex(
        cursor: Option<api::ReindexCursor>,
        limit: u32,
    ) -> Result<Option<api::ReindexCursor>, wit::Error> {
        let cursor = cursor.map(|c| model::ReindexCursor {
            collection: c.collection,
            after: c.after,
        });
        with_engine(|e| e.reindex(cursor, limit))
            .map(|next| {
                next.map(|c| api::ReindexCursor {
                    collection: c.collection,
                    after: c.after,
                })
            })
            .map_err(Into::into)
    }

    fn authorize(cx: wit::Context, operation: api::Operation) -> Result<(), wit::Error> {
        use crate::permissions::Operation as Op;
        let operation = match operation {
            api::Operation::Create => Op::Create,
            api::Operation::Get => Op::Get,
            api::Operation::Update => Op::Update,
            api::Operation::Delete => Op::Delete,
            api::Operation::ListByOwner => Op::ListByOwner,
            api::Operation::LookupPhone => Op::LookupPhone,
            api::Operation::Accounts => Op::Accounts,
            api::Operation::Coworkers => Op::Coworkers,
            api::Operation::ListContacts => Op::ListContacts,
            api::Operation::Search => Op::Search,
            api::Operation::QuickUpsert => Op::QuickUpsert,
            api::Operation::SetBlocked => Op::SetBlocked,
            api::Operation::Conversations => Op::Conversations,
            api::Operation::ListNotes => Op::ListNotes,
            api::Operation::AddNote => Op::AddNote,
            api::Operation::Query => Op::Query,
            api::Operation::QuerySearch => Op::QuerySearch,
            api::Operation::Associate => Op::Associate,
        };
        let cx: model::Context = cx.into();
        crate::permissions::authorize(&cx.caller, operation).map_err(Into::into)
    }

    fn create(
        cx: wit::Context,
        owner: Option<wit::OwnerRef>,
        patch: api::ContactPatch,
    ) -> Result<api::ContactView, wit::Error> {
        with_engine(|e| e.create(&cx.into(), owner.map(Into::into), patch.into()))
            .map(Into::into)
            .map_err(Into::into)
    }

    fn get(cx: wit::Context, id: u64) -> Result<api::ContactView, wit::Error> {
        with_engine(|e| e.get(&cx.into(), id))
            .map(Into::into)
            .map_err(Into::into)
    }

    fn update(
        cx: wit::Context,
        id: u64,
        patch: api::ContactPatch,
    ) -> Result<api::ContactView, wit::Error> {
        with_engine(|e| e.update(&cx.into(), id, patch.into()))
            .map(Into::into)
            .map_err(Into::into)
    }

    fn delete(cx: wit::Context, id: u64) -> Result<(), wit::Error> {
        with_engine(|e| e.delete(&cx.into(), id)).map_err(Into::into)
    }

    fn list_by_owner(
        cx: wit::Context,
        owner: wit::OwnerRef,
    ) -> Result<Vec<api::ContactView>, wit::Error> {
        with_engine(|e| e.list_by_owner(&cx.into(), owner.into()))
            .map(|v| v.into_iter().map(Into::into).collect())
            .map_err(Into::into)
    }

    fn lookup_phone(
        cx: wit::Context,
        number: String,
    ) -> Result<Option<api::PhoneMatch>, wit::Error> {
        with_engine(|e| e.lookup_phone(&cx.into(), &number))
            .map(|m| m.map(Into::into))
            .map_err(Into::into)
    }

    fn accounts(cx: wit::Context, id: u64) -> Result<Vec<directory::Owner>, wit::Error> {
        with_engine(|e| e.accounts(&cx.into(), id))
            .map(|v| v.into_iter().map(Into::into).collect())
            .map_err(Into::into)
    }

    fn coworkers(cx: wit::Context, id: u64) -> Result<Vec<api::ContactView>, wit::Error> {
        with_engine(|e| e.coworkers(&cx.into(), id))
            .map(|v| v.into_iter().map(Into::into).collect())
            .map_err(Into::into)
    }

    fn list_contacts(
        cx: wit::Context,
        request: api::ListRequest,
    ) -> Result<api::ContactPage, wit::Error> {
        let request = model::ListRequest {
            page: request.page,
            page_size: request.page_size,
            order_by: request.order_by,
            order: request.order,
            filters: request.filters,
        };
        with_engine(|e| e.list_contacts(&cx.into(), &request))
            .map(|p| api::ContactPage {
                items: p.items.into_iter().map(Into::into).collect(),
                total: p.total,
                page: p.page,
                page_size: p.page_size,
            })
            .map_err(Into::into)
    }

    fn search(
        cx: wit::Context,
        q: String,
        limit: u32,
    ) -> Result<Vec<api::ContactView>, wit::Error> {
        with_engine(|e| e.search(&cx.into(), &q, limit))
            .map(|v| v.into_iter().map(Into::into).collect())
            .map_err(Into::into)
    }

    fn quick_upsert(
        cx: wit::Context,
        first_name: Option<String>,
        last_name: Option<String>,
        email: Option<String>,
    ) -> Result<api::ContactView, wit::Error> {
        with_engine(|e| e.quick_upsert(&cx.into(), first_name, last_name, email))
            .map(Into::into)
            .map_err(Into::into)
    }

    fn set_blocked(
        cx: wit::Context,
        id: u64,
        blocked: bool,
    ) -> Result<api::ContactView, wit::Error> {
        with_engine(|e| e.set_blocked(&cx.into(), id, blocked))
            .map(Into::into)
            .map_err(Into::into)
    }

    fn conversations(
        cx: wit::Context,
        id: u64,
    ) -> Result<Vec<directory::Conversation>, wit::Error> {
        with_engine(|e| e.conversations(&cx.into(), id))
            .map(|v| v.into_iter().map(Into::into).collect())
            .map_err(Into::into)
    }

    fn list_notes(cx: wit::Context, id: u64) -> Result<Vec<api::Note>, wit::Error> {
        with_engine(|e| e.list_notes(&cx.into(), id))
            .map(|v| v.into_iter().map(Into::into).collect())
            .map_err(Into::into)
    }

    fn add_note(
        cx: wit::Context,
        id: u64,
        content: String,
        notify: Vec<u64>,
    ) -> Result<api::Note, wit::Error> {
        with_engine(|e| e.add_note(&cx.into(), id, &content, &notify))
            .map(Into::into)
            .map_err(Into::into)
    }

    fn delete_note(cx: wit::Context, id: u64, note: u64) -> Result<(), wit::Error> {
        with_engine(|e| e.delete_note(&cx.into(), id, note)).map_err(Into::into)
    }

    fn query(cx: wit::Context, request: api::QueryRequest) -> Result<api::QueryPage, wit::Error> {
        let params = crate::query::QueryParams {
            q: request.q,
            search_fields: request.search_fields,
            search_match: request.search_match,
            order: request.order,
            per_page: request.per_page,
            page: request.page,
            take: request.take,
            select: request.select,
        };
        with_engine(|e| e.query(&cx.into(), &params))
            .map(|p| api::QueryPage {
                items: p.items.into_iter().map(Into::into).collect(),
                total: p.total,
                page: p.page,
                per_page: p.per_page,
                select: p.select,
            })
            .map_err(Into::into)
    }

    fn associate(
        cx: wit::Context,
        id: u64,
        mode: api::AssociationMode,
        changes: Vec<api::AssociationChange>,
    ) -> Result<api::ContactView, wit::Error> {
        let mode = match mode {
            api::AssociationMode::Attach => Mode::Attach,
            api::AssociationMode::Detach => Mode::Detach,
            api::AssociationMode::Sync => Mode::Sync,
        };
        let changes: Vec<(String, Vec<u64>)> = changes
            .into_iter()
            .map(|c| (c.resource_name, c.ids))
            .collect();
        with_engine(|e| e.associate(&cx.into(), id, mode, &changes))
            .map(Into::into)
            .map_err(Into::into)
    }

    fn import_batch(
        cx: wit::Context,
        rows: Vec<api::ImportRow>,
        policy: api::DuplicatePolicy,
    ) -> Result<Vec<api::ImportOutcome>, wit::Error> {
        let policy = match policy {
            api::DuplicatePolicy::Skip => DuplicatePolicy::Skip,
            api::DuplicatePolicy::Update => DuplicatePolicy::Update,
            api::DuplicatePolicy::KeepBoth => DuplicatePolicy::KeepBoth,
        };
        let rows: Vec<ImportRow> = rows
            .into_iter()
            .map(|r| ImportRow {
                owner: r.owner.map(Into::into),
                patch: r.patch.into(),
                alternate_emails: r.alternate_emails,
            })
            .collect();
        with_engine(|e| e.import_batch(&cx.into(), &rows, policy))
            .map(|outcomes| {
                outcomes
                    .into_iter()
                    .map(|o| match o {
                        ImportOutcome::Created(id) => api::ImportOutcome::Created(id),
                        ImportOutcome::Updated(id) => api::ImportOutcome::Updated(id),
                        ImportOutcome::Skipped(id) => api::ImportOutcome::Skipped(id),
                        ImportOutcome::Invalid(errors) => {
                            api::ImportOutcome::Invalid(wit_field_errors(errors))
                        }
                    })
                    .collect()
            })
            .map_err(Into::into)
    }

    fn export_contacts(
        cx: wit::Context,
        cursor: Option<u64>,
        limit: u32,
        filter: api::ExportFilter,
    ) -> Result<api::ExportPage, wit::Error> {
        let filter = ExportFilter {
            owner: filter.owner.map(Into::into),
            updated_since: filter.updated_since,
        };
        with_engine(|e| e.export_page(&cx.into(), cursor, limit, &filter))
            .map(|page| api::ExportPage {
                contacts: page.contacts.into_iter().map(Into::into).collect(),
                next: page.next,
            })
            .map_err(Into::into)
    }

    fn identify_caller(
        cx: wit::Context,
        number: String,
    ) -> Result<Option<api::CallerId>, wit::Error> {
        with_engine(|e| e.identify_caller(&cx.into(), &number))
            .map(|m| m.map(Into::into))
            .map_err(Into::into)
    }
}

// ---- ports over the imports ----

impl ports::Store for HostStore {
    fn get(&self, collection: &str, id: u64) -> Option<ports::Document> {
        store::get(collection, id).map(Into::into)
    }

    fn get_many(&self, collection: &str, ids: &[u64]) -> Vec<ports::Document> {
        store::get_many(collection, ids)
            .into_iter()
            .map(Into::into)
            .collect()
    }

    fn find(&self, collection: &str, index: &str, key: &str) -> Vec<u64> {
        store::find(collection, index, key)
    }

    fn scan(&self, collection: &str, range: &ports::Range) -> Vec<ports::Hit> {
        let range = store::Range {
            index: range.index.clone(),
            start: range.start.clone(),
            end: range.end.clone(),
            reverse: range.reverse,
            offset: range.offset,
            limit: range.limit,
            contains: range.contains.clone(),
        };
        store::scan(collection, &range)
            .into_iter()
            .map(|h| ports::Hit {
                key: h.key,
                id: h.id,
            })
            .collect()
    }

    fn count(&self, collection: &str, index: &str, start: Option<&str>, end: Option<&str>) -> u64 {
        store::count(collection, index, start, end)
    }

    fn allocate_id(&self, collection: &str) -> u64 {
        store::allocate_id(collection)
    }

    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Vec<u64> {
        store::ids(collection, after, limit)
    }

    fn commit(
        &self,
        writes: Vec<ports::Write>,
        events: Vec<ports::Event>,
    ) -> Result<(), ports::CommitError> {
        let writes: Vec<store::Write> = writes.into_iter().map(Into::into).collect();
        let events: Vec<wit::Event> = events
            .into_iter()
            .map(|e| wit::Event {
                kind: e.kind,
                contact_id: e.contact_id,
                body: e.body,
            })
            .collect();
        store::commit(&writes, &events).map_err(|e| match e {
            store::CommitError::Stale(m) => ports::CommitError::Stale(m),
            store::CommitError::Taken(e) => ports::CommitError::Taken(ports::IndexEntry {
                index: e.index,
                key: e.key,
            }),
            store::CommitError::Unavailable(m) => ports::CommitError::Unavailable(m),
        })
    }

    fn now(&self) -> String {
        store::now()
    }
}

impl ports::Directory for HostDirectory {
    fn owners(&self, refs: &[model::OwnerRef]) -> Vec<model::Owner> {
        let refs: Vec<wit::OwnerRef> = refs.iter().map(|r| (*r).into()).collect();
        directory::owners(&refs)
            .into_iter()
            .map(|o| model::Owner {
                owner: model::OwnerRef {
                    kind: o.kind.into(),
                    id: o.id,
                },
                name: o.name,
                account: o.account,
            })
            .collect()
    }

    fn client_account_of(&self, contact: model::ContactId) -> Option<ports::ClientAccount> {
        directory::client_account_of(contact).map(|c| ports::ClientAccount {
            id: c.id,
            contact_id: c.contact_id,
            permissions: c.permissions,
        })
    }

    fn sync_client_permissions(&self, contact: model::ContactId, permissions: &[String]) {
        directory::sync_client_permissions(contact, permissions)
    }

    fn existing(&self, kind: ports::RecordKind, ids: &[u64]) -> Vec<u64> {
        let kind = match kind {
            ports::RecordKind::Company => directory::RecordKind::Company,
            ports::RecordKind::Deal => directory::RecordKind::Deal,
            ports::RecordKind::Activity => directory::RecordKind::Activity,
        };
        directory::existing(kind, ids)
    }

    fn conversations(&self, contact: model::ContactId) -> Vec<ports::Conversation> {
        directory::conversations(contact)
            .into_iter()
            .map(|c| ports::Conversation {
                id: c.id,
                uuid: c.uuid,
                subject: c.subject,
                last_message: c.last_message,
                created_at: c.created_at,
                last_message_at: c.last_message_at,
            })
            .collect()
    }
}

// ---- WIT -> domain ----

impl From<store::Document> for ports::Document {
    fn from(d: store::Document) -> Self {
        ports::Document {
            id: d.id,
            version: d.version,
            body: d.body,
        }
    }
}

impl From<ports::IndexEntry> for store::IndexEntry {
    fn from(e: ports::IndexEntry) -> Self {
        store::IndexEntry {
            index: e.index,
            key: e.key,
        }
    }
}

impl ports::Hooks for HostHooks {
    fn enrich(
        &self,
        contact: &model::Contact,
    ) -> Result<Vec<model::ContactPatch>, Vec<model::FieldError>> {
        hooks::enrich(&contact.clone().into())
            .map(|patches| patches.into_iter().map(Into::into).collect())
            .map_err(field_errors)
    }

    fn validate(
        &self,
        before: Option<&model::Contact>,
        after: &model::Contact,
    ) -> Result<(), Vec<model::FieldError>> {
        let before = before.map(|c| wit::Contact::from(c.clone()));
        hooks::validate(before.as_ref(), &after.clone().into()).map_err(field_errors)
    }
}

fn field_errors(list: Vec<wit::FieldError>) -> Vec<model::FieldError> {
    list.into_iter()
        .map(|e| model::FieldError {
            field: e.field,
            message: e.message,
        })
        .collect()
}

impl From<ports::Write> for store::Write {
    fn from(w: ports::Write) -> Self {
        match w {
            ports::Write::Put(p) => store::Write::Put(store::Put {
                collection: p.collection,
                id: p.id,
                body: p.body,
                entries: p.entries.into_iter().map(Into::into).collect(),
                expected_version: p.expected_version,
                exclusive: p.exclusive.into_iter().map(Into::into).collect(),
            }),
            ports::Write::Remove {
                collection,
                id,
                expected_version,
            } => store::Write::Remove(store::Remove {
                collection,
                id,
                expected_version,
            }),
        }
    }
}

impl From<wit::OwnerKind> for model::OwnerKind {
    fn from(k: wit::OwnerKind) -> Self {
        match k {
            wit::OwnerKind::Customer => model::OwnerKind::Customer,
            wit::OwnerKind::Prospect => model::OwnerKind::Prospect,
        }
    }
}

impl From<model::OwnerKind> for wit::OwnerKind {
    fn from(k: model::OwnerKind) -> Self {
        match k {
            model::OwnerKind::Customer => wit::OwnerKind::Customer,
            model::OwnerKind::Prospect => wit::OwnerKind::Prospect,
        }
    }
}

impl From<wit::OwnerRef> for model::OwnerRef {
    fn from(r: wit::OwnerRef) -> Self {
        model::OwnerRef {
            kind: r.kind.into(),
            id: r.id,
        }
    }
}

impl From<model::OwnerRef> for wit::OwnerRef {
    fn from(r: model::OwnerRef) -> Self {
        wit::OwnerRef {
            kind: r.kind.into(),
            id: r.id,
        }
    }
}

impl From<wit::Context> for model::Context {
    fn from(cx: wit::Context) -> Self {
        model::Context {
            caller: model::Caller {
                agent_id: cx.caller.agent_id,
                first_name: cx.caller.first_name,
                last_name: cx.caller.last_name,
                scopes: cx.caller.scopes,
            },
            dialect: match cx.dialect {
                wit::Dialect::Bluerocktel => model::Dialect::BlueRockTel,
                wit::Dialect::Helperiq => model::Dialect::HelperIq,
                wit::Dialect::Relatecrm => model::Dialect::RelateCrm,
            },
        }
    }
}

impl From<wit::Scalar> for model::Scalar {
    fn from(s: wit::Scalar) -> Self {
        match s {
            wit::Scalar::Text(t) => model::Scalar::Text(t),
            wit::Scalar::Integer(i) => model::Scalar::Integer(i),
        }
    }
}

impl From<model::Scalar> for wit::Scalar {
    fn from(s: model::Scalar) -> Self {
        match s {
            model::Scalar::Text(t) => wit::Scalar::Text(t),
            model::Scalar::Integer(i) => wit::Scalar::Integer(i),
        }
    }
}

impl From<api::PhoneInput> for model::PhoneInput {
    fn from(p: api::PhoneInput) -> Self {
        model::PhoneInput {
            number: p.number,
            kind: p.kind,
            region: p.region,
        }
    }
}

fn scalar_patch(v: Option<Option<wit::Scalar>>) -> Option<Option<model::Scalar>> {
    v.map(|o| o.map(Into::into))
}

impl From<api::ContactPatch> for model::ContactPatch {
    fn from(p: api::ContactPatch) -> Self {
        model::ContactPatch {
            civility: scalar_patch(p.civility),
            first_name: p.first_name,
            last_name: p.last_name,
            email: p.email,
            role: p.role,
            service: scalar_patch(p.service),
            mobile_phone: p.mobile_phone,
            landline_phone: p.landline_phone,
            primary_phone: p.primary_phone.map(|o| o.map(Into::into)),
            phones: p.phones.map(|l| l.into_iter().map(Into::into).collect()),
            legal_representative: p.legal_representative,
            invoices_recipient: p.invoices_recipient,
            newsletters_recipient: p.newsletters_recipient,
            is_signer_contract: p.is_signer_contract,
            is_signer_iban: p.is_signer_iban,
            profunction_id: p.profunction_id,
            comment: p.comment,
            permissions: p.permissions,
            source: p.source,
            avatar_url: p.avatar_url,
            custom_attributes: p.custom_attributes,
            user_id: p.user_id,
            source_id: p.source_id,
            street: p.street,
            city: p.city,
            state: p.state,
            postal_code: p.postal_code,
            country_id: p.country_id,
            custom_fields: p.custom_fields,
            companies: p.companies,
            deals: p.deals,
        }
    }
}

// ---- domain -> WIT ----

fn wit_field_errors(list: Vec<model::FieldError>) -> Vec<wit::FieldError> {
    list.into_iter()
        .map(|f| wit::FieldError {
            field: f.field,
            message: f.message,
        })
        .collect()
}

impl From<model::Error> for wit::Error {
    fn from(e: model::Error) -> Self {
        match e {
            model::Error::NotFound(m) => wit::Error::NotFound(m),
            model::Error::Forbidden(m) => wit::Error::Forbidden(m),
            model::Error::Invalid(list) => wit::Error::Invalid(wit_field_errors(list)),
            model::Error::BadRequest(m) => wit::Error::BadRequest(m),
            model::Error::Conflict(m) => wit::Error::Conflict(m),
            model::Error::Unavailable(m) => wit::Error::Unavailable(m),
        }
    }
}

impl From<model::PhoneType> for wit::PhoneType {
    fn from(t: model::PhoneType) -> Self {
        match t {
            model::PhoneType::Mobile => wit::PhoneType::Mobile,
            model::PhoneType::Landline => wit::PhoneType::Landline,
            model::PhoneType::Work => wit::PhoneType::Work,
            model::PhoneType::Home => wit::PhoneType::Home,
            model::PhoneType::Fax => wit::PhoneType::Fax,
            model::PhoneType::Other => wit::PhoneType::Other,
        }
    }
}

impl From<model::Phone> for wit::Phone {
    fn from(p: model::Phone) -> Self {
        wit::Phone {
            id: p.id,
            number: p.number,
            e164: p.e164,
            kind: p.kind.into(),
            region: p.region,
            national: p.national,
            extension: p.extension,
        }
    }
}

fn json_pairs(map: serde_json::Map<String, serde_json::Value>) -> Vec<(String, String)> {
    map.into_iter().map(|(k, v)| (k, v.to_string())).collect()
}

impl From<model::Contact> for wit::Contact {
    fn from(c: model::Contact) -> Self {
        wit::Contact {
            id: c.id,
            created_at: c.created_at,
            updated_at: c.updated_at,
            owner: c.owner.map(Into::into),
            civility: c.civility.map(Into::into),
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            alternate_emails: c.alternate_emails,
            role: c.role,
            service: c.service.map(Into::into),
            phones: c.phones.into_iter().map(Into::into).collect(),
            legal_representative: c.legal_representative,
            invoices_recipient: c.invoices_recipient,
            newsletters_recipient: c.newsletters_recipient,
            is_signer_contract: c.is_signer_contract,
            is_signer_iban: c.is_signer_iban,
            profunction_id: c.profunction_id,
            comment: c.comment,
            permissions: c.permissions,
            source: c.source,
            blocked: c.blocked,
            avatar_url: c.avatar_url,
            custom_attributes: serde_json::Value::Object(c.custom_attributes).to_string(),
            user_id: c.user_id,
            source_id: c.source_id,
            street: c.street,
            city: c.city,
            state: c.state,
            postal_code: c.postal_code,
            country_id: c.country_id,
            custom_fields: json_pairs(c.custom_fields),
            companies: c.companies,
            deals: c.deals,
            activities: c.activities,
            sync_needed: c.sync_needed,
        }
    }
}

impl From<model::Owner> for directory::Owner {
    fn from(o: model::Owner) -> Self {
        directory::Owner {
            kind: o.owner.kind.into(),
            id: o.owner.id,
            name: o.name,
            account: o.account,
        }
    }
}

impl From<model::ContactView> for api::ContactView {
    fn from(v: model::ContactView) -> Self {
        api::ContactView {
            contact: v.contact.into(),
            owner: v.owner.map(Into::into),
            has_client: v.has_client,
        }
    }
}

fn match_kind(how: crate::phone::MatchKind) -> api::MatchKind {
    use crate::phone::MatchKind;
    match how {
        MatchKind::Exact => api::MatchKind::Exact,
        MatchKind::InternationalDigits => api::MatchKind::InternationalDigits,
        MatchKind::National => api::MatchKind::National,
        MatchKind::Suffix => api::MatchKind::Suffix,
    }
}

impl From<CallerId> for api::CallerId {
    fn from(c: CallerId) -> Self {
        api::CallerId {
            id: c.id,
            first_name: c.first_name,
            last_name: c.last_name,
            owner: c.owner.map(Into::into),
            blocked: c.blocked,
            number: c.phone.number,
            e164: c.phone.e164,
            how: match_kind(c.how),
        }
    }
}

impl From<PhoneMatch> for api::PhoneMatch {
    fn from(m: PhoneMatch) -> Self {
        api::PhoneMatch {
            view: m.view.into(),
            phone: m.phone.into(),
            how: match_kind(m.how),
        }
    }
}

impl From<model::Note> for api::Note {
    fn from(n: model::Note) -> Self {
        api::Note {
            id: n.id,
            contact_id: n.contact_id,
            content: n.content,
            author_id: n.author_id,
            author_first_name: n.author_first_name,
            author_last_name: n.author_last_name,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

impl From<ports::Conversation> for directory::Conversation {
    fn from(c: ports::Conversation) -> Self {
        directory::Conversation {
            id: c.id,
            uuid: c.uuid,
            subject: c.subject,
            last_message: c.last_message,
            created_at: c.created_at,
            last_message_at: c.last_message_at,
        }
    }
}
