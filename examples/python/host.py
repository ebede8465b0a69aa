"""Runs the contacts component in wasmtime-py, the way docs/embedding.md asks.

- The component is compiled once (`Contacts.load`); each instance gets its
  own wasmtime `Store` and is configured once, then serves call after call.
- The pure build needs no WASI; the wasm32-wasip2 build needs `add_wasip2()`
  on the linker and `set_wasi(...)` on every store (forgetting the latter
  aborts the whole Python process on the first call that reaches WASI).
- A host function fails a call by raising; wasmtime turns that into a trap,
  and this host then drops the instance: the next call gets a fresh one.
- A guest error (`result::err`) comes back as a `Variant`; `call` raises it
  as `GuestError`, and the instance stays.
- wasmtime-py has no generated bindings: values are built from the WIT types
  at run time (`lower`), so callers pass plain dicts, lists and scalars.
"""

from wasmtime import Config, Engine, Store, WasiConfig
from wasmtime.component import (
    Component,
    Linker,
    ListType,
    OptionType,
    Record,
    RecordType,
    TupleType,
    Variant,
)

WORLD = "contacts:core/{}@0.1.0"
STORE_FUNCS = {
    "get": "get", "get-many": "get_many", "find": "find", "scan": "scan", "count": "count",
    "allocate-id": "allocate_id", "ids": "ids", "commit": "commit", "now": "now",
}
DIRECTORY_FUNCS = {
    "owners": "owners", "client-account-of": "client_account_of",
    "sync-client-permissions": "sync_client_permissions", "existing": "existing",
    "conversations": "conversations",
}


class GuestError(Exception):
    """An error the component returned (`not-found`, `invalid`, ...)."""

    def __init__(self, variant):
        self.tag = variant.tag
        self.payload = plain(variant.payload)
        super().__init__(f"{self.tag}: {self.payload}")


class Contacts:
    """One compiled component and a live instance of it."""

    def __init__(self, engine, component, linker, settings, wasi):
        self.engine = engine
        self.component = component
        self.linker = linker
        self.settings = settings
        self.wasi = wasi
        self.instance = None
        self.discarded = 0

    @classmethod
    def load(cls, path, store, directory, settings, wasi=False):
        """Compiles the component and links `store` and `directory` to it."""
        engine = Engine(Config())
        component = Component.from_file(engine, str(path))
        linker = Linker(engine)
        if wasi:
            linker.add_wasip2()
        with linker.root() as root:
            with root.add_instance(WORLD.format("types")):
                pass
            with root.add_instance(WORLD.format("store")) as inst:
                for wit, name in STORE_FUNCS.items():
                    inst.add_func(wit, _host(getattr(store, name)))
            with root.add_instance(WORLD.format("directory")) as inst:
                for wit, name in DIRECTORY_FUNCS.items():
                    inst.add_func(wit, _host(getattr(directory, name)))
        return cls(engine, component, linker, settings, wasi)

    def fresh(self, configure=True, settings=None):
        """A new instance, configured with `settings` (default: the host's) unless
        `configure` is false (see the misuse demo)."""
        store = Store(self.engine)
        if self.wasi:
            store.set_wasi(WasiConfig())
        instance = self.linker.instantiate(store, self.component)
        live = _Live(store, instance)
        if configure:
            refused = live.invoke("configure", settings or self.settings)
            if refused is not None:
                raise ValueError(f"the component refused its settings: {refused}")
        return live

    def call(self, name, *args):
        """Calls an `api` function with plain values; returns its plain answer."""
        if self.instance is None:
            self.instance = self.fresh()
        live = self.instance
        try:
            answer = live.invoke(name, *args)
        except Exception:
            # A trap: the instance may be in any state. Drop it.
            self.instance = None
            self.discarded += 1
            raise
        if isinstance(answer, Variant):
            raise GuestError(answer)
        return plain(answer)


class _Live:
    """An instantiated component: its store and its `api` functions."""

    def __init__(self, store, instance):
        self.store = store
        self.instance = instance
        self.api = instance.get_export_index(store, WORLD.format("api"))
        self.funcs = {}

    def func(self, name):
        f = self.funcs.get(name)
        if f is None:
            index = self.instance.get_export_index(self.store, name, self.api)
            f = self.funcs[name] = self.instance.get_func(self.store, index)
        return f

    def invoke(self, name, *args):
        """Calls `name` with plain arguments; answers as wasmtime-py lifts it."""
        f = self.func(name)
        types = [ty for _, ty in f.type(self.store).params]
        answer = f(self.store, *(lower(t, a) for t, a in zip(types, args)))
        f.post_return(self.store)
        return answer


def _host(method):
    """A store or directory method as a linker function (wasmtime passes the store first)."""
    return lambda _store, *args: method(*args)


_MISSING = object()


def lower(ty, value):
    """A plain Python value as wasmtime-py wants it for WIT type `ty`.

    Records come from dicts with snake_case keys; a missing field is an absent
    option (or an empty list). For `option<option<T>>` (a patch field) a
    missing key leaves the field alone and None clears it.
    """
    if isinstance(ty, RecordType):
        if isinstance(value, Record):
            return value
        rec = Record()
        for name, field_ty in ty.fields:
            v = value.get(name.replace("-", "_"), _MISSING)
            setattr(rec, name, _absent(field_ty) if v is _MISSING else lower(field_ty, v))
        return rec
    if isinstance(ty, OptionType):
        if isinstance(ty.payload, OptionType):
            return Variant("some", lower(ty.payload, value))
        return None if value is None else lower(ty.payload, value)
    if isinstance(ty, ListType) and isinstance(value, (list, tuple)):
        return [lower(ty.element, v) for v in value]
    if isinstance(ty, TupleType):
        return tuple(lower(t, v) for t, v in zip(ty.elements, value))
    return value


def _absent(ty):
    if isinstance(ty, OptionType):
        return Variant("none") if isinstance(ty.payload, OptionType) else None
    if isinstance(ty, ListType):
        return []
    raise TypeError(f"a value of {ty} is required")


def plain(value):
    """A wasmtime-py answer as plain dicts (snake_case keys) and lists."""
    if isinstance(value, Record):
        return {k.replace("-", "_"): plain(v) for k, v in vars(value).items()}
    if isinstance(value, Variant):
        return {"tag": value.tag, "val": plain(value.payload)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
