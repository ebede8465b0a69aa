//! Caller-id lookup (spec §3 "Phone lookup"): which contact a ringing number
//! belongs to, however the telephony system wrote it.

use std::cmp::Reverse;

use super::Engine;
use crate::index;
use crate::model::{Contact, ContactId, ContactView, Context, OwnerRef, Phone, PhoneType, Result};
use crate::permissions::{Operation, authorize};
use crate::phone::{self, MatchKind};
use crate::ports::{Directory, Range, Store};

/// At most this many suffix candidates are weighed; a suffix of 6+ digits
/// shared by more contacts than that is not a useful caller id anyway.
const SUFFIX_CANDIDATES: u32 = 200;

#[derive(Debug, Clone, PartialEq)]
pub struct PhoneMatch {
    pub view: ContactView,
    pub phone: Phone,
    pub how: MatchKind,
}

/// The same match in brief, for caller id: the contact's id and display
/// fields, read without the directory.
#[derive(Debug, Clone, PartialEq)]
pub struct CallerId {
    pub id: ContactId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub owner: Option<OwnerRef>,
    pub blocked: bool,
    pub phone: Phone,
    pub how: MatchKind,
}

fn type_rank(kind: PhoneType) -> u8 {
    match kind {
        PhoneType::Mobile => 0,
        PhoneType::Landline => 1,
        _ => 2,
    }
}

impl<S: Store + ?Sized, D: Directory + ?Sized> Engine<'_, S, D> {
    /// The best contact for a number, or `None`. Input without digits
    /// (`anonymous`) is a plain miss.
    pub fn lookup_phone(&self, cx: &Context, number: &str) -> Result<Option<PhoneMatch>> {
        authorize(&cx.caller, Operation::LookupPhone)?;
        Ok(self
            .caller(number)?
            .map(|(contact, phone, how)| PhoneMatch {
                view: self.view(contact),
                phone,
                how,
            }))
    }

    /// [`Self::lookup_phone`] in brief: the same contact, no views.
    pub fn identify_caller(&self, cx: &Context, number: &str) -> Result<Option<CallerId>> {
        authorize(&cx.caller, Operation::LookupPhone)?;
        Ok(self.caller(number)?.map(|(contact, phone, how)| CallerId {
            id: contact.id,
            first_name: contact.first_name,
            last_name: contact.last_name,
            owner: contact.owner,
            blocked: contact.blocked,
            phone,
            how,
        }))
    }

    /// The contact a number belongs to, the phone that matched, and how.
    fn caller(&self, number: &str) -> Result<Option<(Contact, Phone, MatchKind)>> {
        let Some(plan) = phone::lookup_plan(number, &self.settings.default_region) else {
            return Ok(None);
        };
        for (how, e164) in &plan.exact {
            let ids = self.store.find(index::CONTACTS, index::BY_E164, e164);
            let found = self.best(&ids, *how, |p| p.international.as_deref() == Some(e164))?;
            if found.is_some() {
                return Ok(found);
            }
        }
        if let Some(suffix) = &plan.suffix {
            let range = Range::prefix(
                index::BY_PHONE_SUFFIX,
                &index::reversed(suffix),
                SUFFIX_CANDIDATES,
            );
            let mut ids: Vec<u64> = self
                .store
                .scan(index::CONTACTS, &range)
                .into_iter()
                .map(|h| h.id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let ends_with = |p: &Phone| index::phone_digits(p).ends_with(suffix.as_str());
            return self.best(&ids, MatchKind::Suffix, ends_with);
        }
        Ok(None)
    }

    /// Tie-break among candidates: mobile before landline, most recently
    /// updated, lowest id.
    fn best(
        &self,
        ids: &[u64],
        how: MatchKind,
        matches: impl Fn(&Phone) -> bool,
    ) -> Result<Option<(Contact, Phone, MatchKind)>> {
        if ids.is_empty() {
            return Ok(None);
        }
        let mut best: Option<(Contact, Phone)> = None;
        for contact in self.load_many(ids)? {
            let Some(phone) = contact
                .phones
                .iter()
                .filter(|p| matches(p))
                .min_by_key(|p| type_rank(p.kind))
                .cloned()
            else {
                continue;
            };
            let better = match &best {
                None => true,
                Some((c, p)) => {
                    let rank = |c: &Contact, p: &Phone| {
                        (type_rank(p.kind), Reverse(c.updated_at.clone()), c.id)
                    };
                    rank(&contact, &phone) < rank(c, p)
                }
            };
            if better {
                best = Some((contact, phone));
            }
        }
        Ok(best.map(|(contact, phone)| (contact, phone, how)))
    }
}
