#!/usr/bin/env python3
"""Writes the OpenAPI 3.1 documents of host/openapi/ (the server embeds and
serves them under /openapi/). Edit the shapes here, run
`python3 scripts/openapi.py`, and commit both this script and the four
documents; tests/openapi.rs holds the documents against the real server.
Standard library only: no Python dependency of the product."""

import copy
import json
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "host" / "openapi"
VERSION = "0.1.0"


# ---- schema helpers ----

def t(*types, **extra):
    """A schema of one type, or of several (`t("string", "null")`)."""
    return {"type": types[0] if len(types) == 1 else list(types), **extra}


def s(**extra):
    return t("string", **extra)


def ns(**extra):
    return t("string", "null", **extra)


def i(**extra):
    return t("integer", **extra)


def ni(**extra):
    return t("integer", "null", **extra)


B = t("boolean")
TIME = s(format="date-time", description="RFC 3339, UTC")


def arr(items, **extra):
    return t("array", items=items, **extra)


def obj(props, required=None, additional=False, **extra):
    """An object; every property is required unless `required` says otherwise."""
    out = {"type": "object", "properties": props,
           "required": list(props) if required is None else required}
    if additional is not True:
        out["additionalProperties"] = additional
    out.update(extra)
    return out


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(schema, description=None, required=True):
    body = {"required": required, "content": {"application/json": {"schema": schema}}}
    if description:
        body["description"] = description
    return body


def answer(description, schema=None, media="application/json"):
    out = {"description": description}
    if schema is not None:
        out["content"] = {media: {"schema": schema}}
    return out


def query(name, schema, description, required=False):
    return {"name": name, "in": "query", "required": required,
            "description": description, "schema": schema}


def path_param(name, description):
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": i(minimum=0, format="int64")}


def dialect_header(name, required):
    how = ("Selects this dialect on a path two dialects share (spec §2); "
           "without it the token's dialect, then the server's default, decides."
           if required else
           "Optional on a path of one dialect; it also decides the shape of a 401.")
    return {"name": "X-Contacts-Dialect", "in": "header", "required": required,
            "description": how, "schema": s(enum=[name])}


def document(title, description, paths, schemas, security=True, tags=None):
    doc = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": VERSION, "description": description,
                 "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"}},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
    if security:
        rate_limited(paths)
        doc["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer",
                       "description": "A token from `contacts-host token create` or `POST /api/login`."}}
        doc["security"] = [{"bearer": []}]
    if tags:
        doc["tags"] = tags
    return doc


def rate_limited(paths):
    """Adds the 429 of `--rate-limit` to every operation that takes a token,
    in the shape of that operation's 401 (its dialect's error)."""
    headers = {
        "Retry-After": {"description": "Seconds until the token may send again.", "schema": i()},
        "X-RateLimit-Limit": {"description": "The token's burst.", "schema": i()},
        "X-RateLimit-Remaining": {"description": "Requests the token may still send at once.",
                                  "schema": i()},
    }
    for item in paths.values():
        for operation in item.values():
            responses = operation["responses"]
            if operation.get("security") == [] or "401" not in responses or "429" in responses:
                continue
            limited = copy.deepcopy(responses["401"])
            limited["description"] = ("The token sent more requests than `--rate-limit` allows; "
                                      "Retry-After says when to try again.")
            limited["headers"] = copy.deepcopy(headers)
            responses["429"] = limited


def op(op_id, summary, responses, params=(), body=None, public=False, tags=None):
    out = {"operationId": op_id, "summary": summary}
    if tags:
        out["tags"] = tags
    if params:
        out["parameters"] = list(params)
    if body is not None:
        out["requestBody"] = body
    out["responses"] = responses
    if public:
        out["security"] = []
    return out


PHONE_TYPES = ["mobile", "landline", "work", "home", "fax", "other"]
PHONE = obj({
    "id": i(),
    "number": s(description="As the user typed it."),
    "e164": ns(description="E.164, only when the number is valid; null means not valid."),
    "type": s(enum=PHONE_TYPES),
})


# ---- Laravel-style errors (bluerocktel, relatecrm, platform) ----

LARAVEL_SCHEMAS = {
    "Message": obj({"message": s()}),
    "ValidationError": obj({
        "message": s(description="The first error, with how many more."),
        "errors": t("object", additionalProperties=arr(s()),
                    description="Messages by field name."),
    }),
}


def laravel_errors(*codes):
    what = {
        400: ("The body is not JSON (or not an object where one is needed).", "Message"),
        401: ("No token, or a token the server does not know.", "Message"),
        403: ("The token lacks the scope this route needs.", "Message"),
        404: ("No such record.", "Message"),
        409: ("The write conflicts with the stored state.", "Message"),
        413: ("The body is larger than the server accepts.", "Message"),
        422: ("The input is invalid.", "ValidationError"),
    }
    return {str(c): answer(what[c][0], ref(what[c][1])) for c in codes}


# ---- bluerocktel ----

def bluerocktel():
    contact = {
        "id": i(),
        "contactable_type": t("string", "null", enum=["App\\Customer", "App\\Prospect", None]),
        "contactable_id": ni(),
        "user_id": ni(),
        "civility": t("string", "integer", "null", description="Echoed with its JSON type."),
        "first_name": ns(),
        "last_name": ns(),
        "email_address": ns(),
        "mobile_phone": ns(description="The mobile phone as typed."),
        "landline_phone": ns(description="The landline phone as typed."),
        "role": ns(),
        "service": t("string", "integer", "null", description="Echoed with its JSON type."),
        "legal_representative": B,
        "invoices_recipient": B,
        "newsletters_recipient": B,
        "is_signer_contract": B,
        "is_signer_iban": B,
        "profunction_id": ni(),
        "comment": ns(),
        "permissions": arr(s(), description="Customer-portal permissions."),
        "source": s(),
        "sync_needed": B,
        "blocked": B,
        "created_at": TIME,
        "updated_at": TIME,
        "company": ns(description="The owner's name."),
        "customer_id": ni(description="The owner's id."),
        "customer_account": ns(description="The owner's account number, e.g. CL000123."),
        "has_client": B,
        "firstName": ns(),
        "lastName": ns(),
        "emailAddress": ns(),
        "mobilePhone": ns(),
        "landlinePhone": ns(),
        "legalRepresentative": B,
        "invoicesRecipient": B,
        "newslettersRecipient": B,
    }
    match = dict(contact)
    match.update({
        "contact_url": s(format="uri", description="Absolute URL of the contact."),
        "matched_number": s(description="The stored phone that matched, as typed."),
        "matched_e164": ns(),
        "matched_type": s(enum=PHONE_TYPES),
        "match": s(enum=["exact", "international_digits", "national", "suffix"],
                   description="The rule that matched: exact E.164, the digits read as "
                               "international, the national form, or a suffix of at most 9 digits."),
    })
    scalar = t("string", "integer", "null")
    text = ns(maxLength=191)
    flag = t("boolean", "null")
    contact_input = obj({
        "civility": scalar, "first_name": text, "firstName": text,
        "last_name": text, "lastName": text,
        "email_address": text, "emailAddress": text, "email": text,
        "mobile_phone": ns(), "mobilePhone": ns(), "landline_phone": ns(), "landlinePhone": ns(),
        "role": text, "service": scalar,
        "legal_representative": flag, "legalRepresentative": flag,
        "invoices_recipient": flag, "invoicesRecipient": flag,
        "newsletters_recipient": flag, "newslettersRecipient": flag,
        "is_signer_contract": flag, "is_signer_iban": flag,
        "profunction_id": ni(), "comment": ns(),
        "permissions": t("array", "null", items=s()), "source": ns(),
    }, required=[], additional=True,
        description="snake_case or the official SDK's camelCase; unknown and read-only keys are ignored.")
    schemas = dict(LARAVEL_SCHEMAS)
    schemas.update({
        "Contact": obj(contact),
        "PhoneMatch": obj(match),
        "ContactInput": contact_input,
        "ContactCreate": {"allOf": [ref("ContactInput")],
                          "description": "Needs `last_name` and `email_address` (or an alias)."},
        "Account": obj({"id": i(), "type": s(enum=["App\\Customer", "App\\Prospect"]),
                        "name": s(), "customer_account": s()}),
        "LookupFailure": obj({"message": s(), "response": s(const="Contact not found"),
                              "errors": t("object", additionalProperties=arr(s()))},
                             required=["message", "response"]),
        "Login": LOGIN_ANSWER,
        "LoginInput": LOGIN_INPUT,
    })
    h = lambda req: dialect_header("bluerocktel", req)
    owner = [query("contactable_type", s(enum=["App\\Customer", "App\\Prospect"]),
                   "The owner's type.", True),
             query("contactable_id", i(minimum=0), "The owner's id.", True)]
    cid = path_param("id", "The contact's id.")
    lookup_fail = lambda d: answer(d, ref("LookupFailure"))
    paths = {
        "/api/login": {"post": login_op()},
        "/api/v1/contacts": {
            "get": op("listContacts", "An owner's contacts, by last name, first name, id",
                      {"200": answer("The contacts.", arr(ref("Contact"))),
                       **laravel_errors(401, 403, 422)}, params=[h(True)] + owner),
            "post": op("createContact", "Create a contact of an owner",
                       {"201": answer("The contact.", ref("Contact")),
                        **laravel_errors(400, 401, 403, 409, 413, 422)},
                       params=[h(True)] + owner, body=json_body(ref("ContactCreate"))),
        },
        "/api/v1/contacts/{id}": {
            "get": op("getContact", "A contact with its owner's fields",
                      {"200": answer("The contact.", ref("Contact")),
                       **laravel_errors(401, 403, 404)}, params=[h(True), cid]),
            "put": op("updateContact", "Change the fields sent (201, as the seed says)",
                      {"201": answer("The contact.", ref("Contact")),
                       **laravel_errors(400, 401, 403, 404, 409, 413, 422)},
                      params=[h(True), cid], body=json_body(ref("ContactInput"))),
            "delete": op("deleteContact", "Delete a contact",
                         {"200": answer("Deleted.", ref("Message")),
                          **laravel_errors(401, 403, 404)}, params=[h(True), cid]),
        },
        "/api/v1/contacts/numbers": {
            "get": op("lookupNumber", "Caller id: the contact a number in any format resolves to",
                      {"200": answer("The contact, the phone that matched and the rule.",
                                     obj({"data": ref("PhoneMatch")})),
                       "401": answer("No token, or a token the server does not know.", ref("Message")),
                       "403": lookup_fail("The token lacks contacts:read."),
                       "404": lookup_fail("No contact has that number."),
                       "422": lookup_fail("No number, or one longer than 64 characters.")},
                      params=[h(False),
                              query("phone_number", s(), "The number, any format (wins over phoneNumber)."),
                              query("phoneNumber", s(), "Alias of phone_number.")]),
        },
        "/api/v1/contacts/{id}/accounts": {
            "get": op("listAccounts", "The owners of every contact with this contact's email",
                      {"200": answer("The owners, by name.", arr(ref("Account"))),
                       **laravel_errors(401, 403, 404)}, params=[h(False), cid]),
        },
        "/api/v1/contacts/{id}/coworkers": {
            "get": op("listCoworkers", "Other contacts of the same owner or email domain",
                      {"200": answer("The contacts.", arr(ref("Contact"))),
                       **laravel_errors(401, 403, 404)}, params=[h(False), cid]),
        },
    }
    return document("BlueRockTEL contacts API", "The `bluerocktel` dialect (spec §4).", paths, schemas)


# ---- login (bluerocktel and platform) ----

LOGIN_INPUT = obj({"email": s(), "password": s()}, required=[], additional=True,
                  description="Credentials in a JSON or form body, or in the query string; the body wins.")
LOGIN_ANSWER = obj({
    "user": obj({"id": i(), "first_name": ns(), "last_name": ns(), "email": ns()}),
    "token": s(description="The bearer token for every other route."),
})


def login_op():
    tm = answer("Too many failures for this email; see Retry-After.", ref("Message"))
    tm["headers"] = {"Retry-After": {"description": "Seconds to wait.", "schema": i()}}
    return op("login", "Log in with an agent's email and password",
              {"200": answer("A new token.", ref("Login")),
               "401": answer("Unknown email or wrong password.", ref("Message")),
               "422": answer("Email or password missing.", ref("ValidationError")),
               "429": tm},
              params=[query("email", s(), "The agent's email."),
                      query("password", s(), "The agent's password.")],
              body={"required": False, "content": {
                  "application/json": {"schema": ref("LoginInput")},
                  "application/x-www-form-urlencoded": {"schema": ref("LoginInput")}}},
              public=True)


# ---- helperiq ----

HQ_ERROR = obj({
    "status": s(const="error"),
    "message": s(),
    "error_type": s(description="InputException 400, UnauthorizedException 401, PermissionException 403, "
                                "NotFoundException 404, ConflictException 409, DataException 422."),
    "data": obj({"message": s(), "type": s()}),
})
ME = obj({"id": i(), "first_name": ns(), "last_name": ns(), "email": ns(),
          "permissions": arr(s(), description="The scopes of the token.")})


def ok(schema):
    return obj({"status": s(const="success"), "message": t("null"), "data": schema})


def hq_errors(*codes):
    what = {400: "Bad input: the message says why.", 401: "No token, or a token the server does not know.",
            403: "The token lacks the scope this route needs.", 404: "No such record.",
            405: "Notes cannot be edited.", 409: "The write conflicts with the stored state.",
            413: "The body is larger than the server accepts."}
    return {str(c): answer(what[c], ref("Error")) for c in codes}


def me_op():
    return op("getMe", "The caller and its scopes",
              {"200": answer("The agent.", ok(ref("Agent"))), **hq_errors(401)})


def helperiq():
    contact = {
        "id": i(),
        "first_name": s(description="\"\" when unset."),
        "last_name": s(description="\"\" when unset."),
        "email": ns(),
        "blocked": B,
        "enabled": B,
        "phone": ns(description="The primary phone as typed."),
        "phone_number": ns(description="Its national significant number, or its digits as typed."),
        "phone_number_country_code": ns(description="Its ISO region, e.g. FR."),
        "avatar_url": ns(),
        "custom_attributes": t("object"),
        "created_at": TIME,
        "updated_at": TIME,
    }
    full = dict(contact)
    full.update({"emails": arr(s()), "phones": arr(ref("Phone"))})
    note = obj({"id": i(), "contact_id": i(), "content": s(), "note": s(), "user_id": i(),
                "first_name": s(), "last_name": s(), "avatar_url": ns(),
                "created_at": TIME, "updated_at": TIME})
    conversation = obj({"id": i(), "uuid": s(), "subject": s(), "last_message": s(),
                        "created_at": TIME, "last_message_at": TIME})
    page = obj({"results": arr(ref("Contact")), "total": i(), "total_pages": i(), "page": i(),
                "page_size": i(), "per_page": i()})
    text = ns()
    update = obj({"first_name": text, "last_name": text, "email": text, "phone": text,
                  "phone_number": text, "phone_number_country_code": text, "avatar_url": text,
                  "custom_attributes": t("object", "null")}, required=[], additional=True,
                 description="Absent keys are left alone; null clears.")
    schemas = {
        "Error": HQ_ERROR, "Contact": obj(contact), "ContactFull": obj(full), "Phone": PHONE,
        "Note": note, "Conversation": conversation, "Page": page, "Agent": ME,
        "ContactUpdate": update,
    }
    h = lambda req: dialect_header("helperiq", req)
    cid = path_param("id", "The contact's id.")
    form = {"multipart/form-data": {"schema": t("object", additionalProperties=s())}}
    paths = {
        "/api/v1/agents/me": {"get": me_op()},
        "/api/v1/contacts": {
            "get": op("listContacts", "A page of contacts, newest first by default",
                      {"200": answer("The page.", ok(ref("Page"))), **hq_errors(400, 401, 403)},
                      params=[h(True),
                              query("page", i(), "Page number; 0 or less is 1."),
                              query("page_size", i(), "Default 50, at most 500 (clamped)."),
                              query("order_by", s(enum=[
                                  "users.created_at", "users.updated_at", "users.email", "created_at",
                                  "updated_at", "email", "first_name", "last_name"]), "The order."),
                              query("order", s(description="asc or desc, any case."), "The direction."),
                              query("filters", s(), "The UI's filters, as JSON.")]),
        },
        "/api/v1/contacts/{id}": {
            "get": op("getContact", "A contact with its emails and phones",
                      {"200": answer("The contact.", ok(ref("ContactFull"))), **hq_errors(400, 401, 403, 404)},
                      params=[h(True), cid]),
            "put": op("updateContact", "Change the fields sent (JSON or the UI's multipart form)",
                      {"200": answer("The contact.", ok(ref("Contact"))),
                       **hq_errors(400, 401, 403, 404, 409, 413)},
                      params=[h(True), cid],
                      body={"required": True, "content": {
                          "application/json": {"schema": ref("ContactUpdate")}, **form}}),
            "delete": op("deleteContact", "Delete a contact",
                         {"200": answer("Deleted.", ok(t("boolean", const=True))),
                          **hq_errors(400, 401, 403, 404)}, params=[h(True), cid]),
        },
        "/api/v1/contacts/quick": {
            "post": op("quickCreate", "Find by email, or create",
                       {"200": answer("The existing or new contact.", ok(ref("Contact"))),
                        **hq_errors(400, 401, 403, 409, 413)}, params=[h(False)],
                       body=json_body(obj({"first_name": ns(), "last_name": ns(), "email": s()},
                                          required=["email"], additional=True))),
        },
        "/api/v1/contacts/search": {
            "get": op("searchContacts", "Ranked search over names, emails and phone digits (20 at most)",
                      {"200": answer("The contacts, best first.", ok(arr(ref("Contact")))),
                       **hq_errors(400, 401, 403)},
                      params=[h(False), query("q", s(maxLength=255), "The query."),
                              query("query", s(maxLength=255), "Alias of q.")]),
        },
        "/api/v1/contacts/{id}/block": {
            "put": op("blockContact", "Block or unblock",
                      {"200": answer("The contact.", ok(ref("Contact"))),
                       **hq_errors(400, 401, 403, 404, 409, 413)}, params=[h(False), cid],
                      body=json_body(obj({"blocked": B, "enabled": B}, required=[], additional=True,
                                         description="`blocked` wins over LibreDesk's `enabled`."))),
        },
        "/api/v1/contacts/{id}/conversations": {
            "get": op("listConversations", "The contact's conversations, newest first",
                      {"200": answer("The conversations.", ok(arr(ref("Conversation")))),
                       **hq_errors(400, 401, 403, 404)}, params=[h(False), cid]),
        },
        "/api/v1/contacts/{id}/notes": {
            "get": op("listNotes", "The contact's notes, newest first",
                      {"200": answer("The notes.", ok(arr(ref("Note")))),
                       **hq_errors(400, 401, 403, 404)}, params=[h(False), cid]),
            "post": op("addNote", "Add a note",
                       {"200": answer("The note.", ok(ref("Note"))),
                        **hq_errors(400, 401, 403, 404, 413)}, params=[h(False), cid],
                       body=json_body(obj({"content": s(), "note": s(),
                                           "notify_user_ids": arr(i())}, required=[], additional=True,
                                          description="`content` (alias `note`), not empty."))),
        },
        "/api/v1/contacts/{id}/notes/{note_id}": {
            "delete": op("deleteNote", "Delete a note (its author, or contact_notes:delete)",
                         {"200": answer("Deleted.", ok(t("boolean", const=True))),
                          **hq_errors(400, 401, 403, 404)},
                         params=[h(False), cid, path_param("note_id", "The note's id.")]),
            "put": op("editNote", "Notes are immutable",
                      hq_errors(405), params=[h(False), cid, path_param("note_id", "The note's id.")]),
            "patch": op("patchNote", "Notes are immutable",
                        hq_errors(405), params=[h(False), cid, path_param("note_id", "The note's id.")]),
        },
    }
    return document("HelperIQ contacts API", "The `helperiq` dialect (spec §4).", paths, schemas)


# ---- relatecrm ----

def relatecrm():
    contact = {
        "id": i(), "first_name": ns(), "last_name": ns(), "display_name": s(), "email": ns(),
        "job_title": ns(), "phones": arr(ref("Phone")), "street": ns(), "city": ns(), "state": ns(),
        "postal_code": ns(), "user_id": ni(), "source_id": ni(), "country_id": ni(),
        "companies": arr(i()), "deals": arr(i()), "activities": arr(i()),
        "path": s(), "created_at": TIME, "updated_at": TIME,
    }
    phone = copy.deepcopy(PHONE)
    phone["properties"]["type"] = s(enum=["mobile", "work", "other"])
    selected = obj(contact, required=["id"], additional=True,
                   description="The fields `select` asked for (all by default); `id` always.")
    text = ns(maxLength=191)
    phone_in = {"anyOf": [obj({"number": ns(), "type": ns()}, required=[], additional=True),
                          s(description="`number|type`")]}
    write = obj({"first_name": text, "last_name": text, "email": text, "job_title": text,
                 "phones": arr(phone_in), "street": text, "city": text, "state": text,
                 "postal_code": text, "user_id": ni(), "source_id": ni(), "country_id": ni()},
                required=[], additional=True, description="`cf_*` custom fields are stored too.")
    links = obj({"first": s(), "last": s(), "prev": ns(), "next": ns()})
    meta = obj({"current_page": i(), "from": ni(), "last_page": i(), "path": s(),
                "per_page": i(), "to": ni(), "total": i()})
    schemas = dict(LARAVEL_SCHEMAS)
    schemas.update({
        "Contact": obj(contact, additional=True,
                       description="Custom fields `cf_*` appear beside these, with their JSON type."),
        "SelectedContact": selected, "Phone": phone,
        "ContactCreate": {"allOf": [ref("ContactWrite")], "description": "Needs `first_name`."},
        "ContactWrite": write,
        "Page": obj({"data": arr(ref("SelectedContact")), "links": links, "meta": meta}),
        "Associations": obj({"companies": arr(i()), "deals": arr(i()), "activities": arr(i())},
                            required=[], additional=True),
    })
    cid = path_param("id", "The contact's id.")
    grammar = [query("q", s(), "Plain text, or `field:value;field:value`."),
               query("search_fields", s(), "`field:condition;…` (`=`, `like`, `in`)."),
               query("search_match", s(enum=["and", "or"]), "How the clauses combine.")]
    assoc = lambda op_id, summary: op(
        op_id, summary,
        {"200": answer("The contact and its associations.", ref("Contact")),
         **laravel_errors(400, 401, 403, 404, 409, 413, 422)},
        params=[cid], body=json_body(ref("Associations")))
    paths = {
        "/api/contacts": {
            "get": op("listContacts", "A page of contacts",
                      {"200": answer("The page.", ref("Page")), **laravel_errors(401, 403, 422)},
                      params=[query("per_page", i(), "Default 15, at most 100."),
                              query("page", i(), "Page number."),
                              query("order", s(), "`field|dir`."),
                              query("select", s(), "`a;b`: only those fields.")] + grammar),
            "post": op("createContact", "Create a contact",
                       {"201": answer("The contact.", ref("Contact")),
                        **laravel_errors(400, 401, 403, 409, 413, 422)},
                       body=json_body(ref("ContactCreate"))),
        },
        "/api/contacts/search": {
            "get": op("searchContacts", "Search, without pagination",
                      {"200": answer("The contacts.", arr(ref("SelectedContact"))),
                       **laravel_errors(401, 403, 422)},
                      params=grammar + [query("take", i(), "At most this many."),
                                        query("order", s(), "`field|dir`. Without it, plain text"
                                              " ranks its best matches first (as the HelperIQ"
                                              " search does), then the list's order."),
                                        query("select", s(), "`a;b`: only those fields.")]),
        },
        "/api/contacts/{id}": {
            "get": op("getContact", "A contact",
                      {"200": answer("The contact.", ref("Contact")), **laravel_errors(401, 403, 404)},
                      params=[cid]),
            "put": op("updateContact", "Change the fields sent; `phones` replaces the set",
                      {"200": answer("The contact.", ref("Contact")),
                       **laravel_errors(400, 401, 403, 404, 409, 413, 422)},
                      params=[cid], body=json_body(ref("ContactWrite"))),
            "delete": op("deleteContact", "Delete a contact",
                         {"204": answer("Deleted."), **laravel_errors(401, 403, 404)}, params=[cid]),
        },
        "/api/associations/contacts/{id}": {
            "put": assoc("attachAssociations", "Attach records"),
            "delete": assoc("detachAssociations", "Detach records"),
            "post": assoc("syncAssociations", "Make the associations exactly these"),
        },
    }
    return document("RelateCRM contacts API", "The `relatecrm` dialect (spec §4).", paths, schemas)


# ---- platform ----

def platform():
    owner_in = obj({"name": s(maxLength=191), "customer_account": ns(maxLength=191),
                    "customerAccount": ns(maxLength=191)}, required=["name"], additional=True)
    owner = obj({"id": i(), "type": s(enum=["customer", "prospect"]), "name": s(),
                 "customer_account": ns()})
    client = obj({"id": i(), "contact_id": i(), "permissions": arr(s())})
    event = obj({"seq": i(), "kind": s(enum=[
        "contact.created", "contact.updated", "contact.deleted", "contact.blocked",
        "note.created", "note.deleted", "association.changed"]),
        "contact_id": i(), "body": {"description": "The event's JSON payload."},
        "created_at": TIME})
    schemas = dict(LARAVEL_SCHEMAS)
    schemas.update({
        "Login": LOGIN_ANSWER, "LoginInput": LOGIN_INPUT, "Agent": ME, "Error": HQ_ERROR,
        "OwnerInput": owner_in, "Owner": owner, "Client": client, "Event": event,
        "Company": obj({"id": i(), "name": t("string", "null"), "domain": ns()}),
        "Deal": obj({"id": i(), "name": t("string", "null")}),
        "Activity": obj({"id": i(), "title": t("string", "null")}),
        "Conversation": obj({"id": i(), "uuid": s(), "contact_id": i(), "subject": s(),
                             "last_message": s(), "created_at": TIME, "last_message_at": TIME}),
        "Ready": obj({"status": s(const="ready"), "index_version": i()}),
        "Unready": obj({"status": s(const="unavailable"), "reason": s()}),
    })
    created = lambda op_id, summary, body_schema, answer_schema: op(
        op_id, summary, {"201": answer("The record.", answer_schema),
                         **laravel_errors(400, 401, 403, 413, 422)}, body=json_body(body_schema))
    cid = path_param("id", "The client account's id.")
    text = lambda d: answer(d, s(), "text/plain")
    html = lambda d: answer(d, s(), "text/html")
    paths = {
        "/api/login": {"post": login_op()},
        "/api/v1/agents/me": {"get": me_op()},
        "/api/v1/events": {
            "get": op("listEvents", "The outbox, oldest first",
                      {"200": answer("Events after `after`, and the cursor to send next.",
                                     obj({"data": arr(ref("Event")), "next": i()})),
                       **laravel_errors(401)},
                      params=[query("after", i(minimum=0), "Sequence number to start after (default 0)."),
                              query("limit", i(), "1 to 1000 (clamped; default 100).")]),
        },
        "/api/v1/customers": {"post": created("createCustomer", "Create a customer", ref("OwnerInput"), ref("Owner"))},
        "/api/v1/prospects": {"post": created("createProspect", "Create a prospect", ref("OwnerInput"), ref("Owner"))},
        "/api/companies": {"post": created(
            "createCompany", "Create a company",
            obj({"name": s(maxLength=191), "domain": ns(maxLength=191)}, required=["name"], additional=True),
            ref("Company"))},
        "/api/deals": {"post": created(
            "createDeal", "Create a deal",
            obj({"name": s(maxLength=191)}, required=["name"], additional=True), ref("Deal"))},
        "/api/activities": {"post": created(
            "createActivity", "Create an activity",
            obj({"title": s(maxLength=191)}, required=["title"], additional=True), ref("Activity"))},
        "/api/v1/conversations": {"post": created(
            "createConversation", "Create a conversation of a contact",
            obj({"contact_id": i(minimum=1), "subject": s(maxLength=191), "last_message": ns()},
                required=["contact_id", "subject"], additional=True), ref("Conversation"))},
        "/api/v1/clients": {"post": op(
            "createClient", "Give a contact a portal account",
            {"201": answer("The account.", ref("Client")),
             **laravel_errors(400, 401, 403, 409, 413, 422)},
            body=json_body(obj({"contact_id": i(minimum=1)}, required=["contact_id"], additional=True)))},
        "/api/v1/clients/{id}": {"get": op(
            "getClient", "A portal account and its synced permissions",
            {"200": answer("The account.", ref("Client")), **laravel_errors(401, 403, 404)}, params=[cid])},
        "/": {"get": op("landing", "A first page: how to get a token, links to the console and documents",
                        {"200": html("The page.")}, public=True, tags=["operations"])},
        "/healthz": {"get": op("healthz", "Liveness", {"200": text("`ok`.")}, public=True,
                               tags=["operations"])},
        "/readyz": {"get": op("readyz", "Readiness: the database and the component answer",
                              {"200": answer("Ready.", ref("Ready")),
                               "503": answer("Not ready, with the reason.", ref("Unready"))},
                              public=True, tags=["operations"])},
        "/metrics": {"get": op("metrics", "Prometheus text format 0.0.4",
                               {"200": text("The figures."), "503": text("Figures unavailable.")},
                               public=True, tags=["operations"])},
        "/console": {"get": op("console", "The operator's console",
                               {"200": html("The console's page.")}, public=True, tags=["operations"])},
        "/console/{file}": {"get": op(
            "consoleFile", "A file of the console (script or style sheet)",
            {"200": {"description": "The file.", "content": {
                "text/javascript": {"schema": s()}, "text/css": {"schema": s()}}},
             "404": text("No such file.")},
            params=[{"name": "file", "in": "path", "required": True, "description": "The file name.",
                     "schema": s()}], public=True, tags=["operations"])},
    }
    for name in ["bluerocktel", "helperiq", "relatecrm", "platform"]:
        paths[f"/openapi/{name}.json"] = {"get": op(
            f"openapi_{name}", f"This server's OpenAPI document of `{name}`",
            {"200": answer("The document.", t("object"))}, public=True, tags=["operations"])}
    tags = [{"name": "operations", "description": "No token needed."}]
    return document("Contacts engine: platform and operations",
                    "Login, the caller, the event feed, the reference host's directory (spec §7) "
                    "and the routes operators reach without a token.", paths, schemas, tags=tags)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in [("bluerocktel", bluerocktel), ("helperiq", helperiq),
                        ("relatecrm", relatecrm), ("platform", platform)]:
        text = json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
        (OUT / f"{name}.json").write_text(text)
        print(f"wrote {OUT / (name + '.json')}")


if __name__ == "__main__":
    main()
