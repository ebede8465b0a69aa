"""The contacts component in a Python host: configure, create, look up a phone
written another way, search, update, and the errors a caller can get.

    python main.py path/to/contacts_guest_pure.wasm          # no WASI at all
    python main.py path/to/contacts_guest.wasm --wasi        # the wasm32-wasip2 build

The Node example (examples/node/main.mjs) prints the same lines.
"""

import sys

from directory import MemoryDirectory
from host import Contacts, GuestError
from store import MemoryStore

SETTINGS = {"default_region": "FR", "custom_fields": []}


def agent(dialect, scopes=()):
    return {"caller": {"agent_id": 7, "first_name": "Ada", "last_name": "Agent",
                       "scopes": list(scopes)},
            "dialect": dialect}


def describe(view):
    c = view["contact"]
    phones = " ".join(p["e164"] or p["number"] for p in c["phones"])
    owner = view["owner"]
    at = f" of {owner['name']} ({owner['account']})" if owner else ""
    return f"#{c['id']} {c['first_name']} {c['last_name']} <{c['email']}> {phones}{at}"


def main(path, wasi):
    store, directory = MemoryStore(), MemoryDirectory()
    directory.add_owner("customer", 1, "ACME", "CL000001")
    contacts = Contacts.load(path, store, directory, SETTINGS, wasi=wasi)

    # Misuse is refused, not run on defaults.
    try:
        contacts.fresh(settings={**SETTINGS, "default_region": "XX"})
    except ValueError as e:
        print(f"misuse: {e}")
    refused = contacts.fresh(configure=False).invoke("get", agent("bluerocktel"), 1)
    print(f"misuse: before configure: {refused.tag}: {refused.payload}")

    brt = agent("bluerocktel")
    owner = {"kind": "customer", "id": 1}
    view = contacts.call("create", brt, owner, {
        "first_name": "Jeanne", "last_name": "Dupont", "email": "Jeanne.Dupont@Example.com",
        "mobile_phone": "06 12 34 56 78",
    })
    print(f"created: {describe(view)}")
    id = view["contact"]["id"]

    found = contacts.call("lookup-phone", brt, "+33 (0)6.12.34.56.78")
    print(f"lookup: +33 (0)6.12.34.56.78 -> #{found['view']['contact']['id']} "
          f"{found['phone']['e164']} ({found['how']})")
    # Caller id in brief: the same match, a few flat fields, no directory call.
    caller = contacts.call("identify-caller", brt, "0612345678")
    print(f"caller id: 0612345678 -> #{caller['id']} {caller['first_name']} {caller['last_name']} "
          f"{caller['e164']} ({caller['how']})")

    hits = contacts.call("search", agent("helperiq"), "dupon", 10)
    print(f"search: dupon -> {', '.join(describe(v) for v in hits)}")

    view = contacts.call("update", brt, id, {"first_name": "Jeanne-Marie",
                                             "landline_phone": "01 45 67 89 01"})
    print(f"updated: {describe(view)}")

    # A store read that fails traps the call; the host drops that instance.
    def unavailable(*_):
        raise OSError("storage unavailable")

    store.get = unavailable
    try:
        contacts.call("get", brt, id)
    except OSError as e:
        del store.get
        again = contacts.call("get", brt, id)
        print(f"trap: {e}; instances discarded: {contacts.discarded}; then: {describe(again)}")

    for what, owner, patch in [
        ("bad email", owner, {"last_name": "Martin", "email": "martin@@example"}),
        ("unknown owner", {"kind": "customer", "id": 99},
         {"last_name": "Martin", "email": "martin@example.com"}),
    ]:
        try:
            contacts.call("create", brt, owner, patch)
        except GuestError as e:
            fields = "; ".join(f"{f['field']}: {f['message']}" for f in e.payload)
            print(f"invalid ({what}): {e.tag}: {fields}")

    print(f"store: {len(store.docs.get('contacts', {}))} contact(s), {len(store.events)} event(s)")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], "--wasi" in sys.argv[2:])
