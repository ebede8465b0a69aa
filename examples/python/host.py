"""Runs the contacts component in wasmtime-py, the way docs/embedding.md asks.

- The component is compiled once (`Contacts.load`); each instance gets its
  own wasmtime `Store`, with a memory limit, and is configured once, then
  serves call after call.
- The pure build needs no WASI; the wasm32-wasip2 build needs `add_wasip2()`
  on the linker and `set_wasi(...)` on every store (forgetting the latter
  aborts the whole Python process on the first call that reaches WASI).
- A host function fails a call by raising; wasmtime turns that into a trap,
  and this host then drops the instance: the next call gets a fresh one.
- A guest error (`result::err`) comes back as a `Variant`; `call` raises it
  as `GuestError`, and the instance stays.
- wasmtime-py has no generated bindings: values are built from the WIT types
  at run time (`lowerer`), so callers pass plain dicts, lists and scalars.
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
# Linear memory one instance may grow to, as the reference server's default.
MEMORY_LIMIT = 256 << 20
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
                    inst.add_func(wit, _host(store, name))
            with root.add_instance(WORLD.format("directory")) as inst:
                for wit, name in DIRECTORY_FUNCS.items():
                    inst.add_func(wit, _host(directory, name))
        return cls(engine, component, linker, settings, wasi)

    def fresh(self, configure=True, settings=None):
        """A new instance, configured with `settings` (default: the host's) unless
        `configure` is false (see the misuse demo)."""
        store = Store(self.engine)
        store.set_limits(memory_size=MEMORY_LIMIT)
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
        """An `api` function and a lowerer per parameter, looked up once."""
        found = self.funcs.get(name)
        if found is None:
            index = self.instance.get_export_index(self.store, name, self.api)
            f = self.instance.get_func(self.store, index)
            lowerers = [lowerer(ty) for _, ty in f.type(self.store).params]
            found = self.funcs[name] = (f, lowerers)
        return found

    def invoke(self, name, *args):
        """Calls `name` with plain arguments; answers as wasmtime-py lifts it."""
        f, lowerers = self.func(name)
        answer = f(self.store, *(lower(a) for lower, a in zip(lowerers, args)))
        f.post_return(self.store)
        return answer


def _host(target, name):
    """A store or directory method as a linker function (wasmtime passes its
    store first). It calls the method of the moment, so a host can swap a
    backend (the walkthrough fails one on purpose)."""
    return lambda _store, *args: getattr(target, name)(*args)


_MISSING = object()


def lowerer(ty):
    """A function turning a plain Python value into what wasmtime-py wants for
    WIT type `ty`. It reads the type once: wasmtime-py asks the C API for a
    type's fields at every use, which costs more than the call itself.

    Records come from dicts with snake_case keys; a missing field is an absent
    option (or an empty list). For `option<option<T>>` (a patch field) a
    missing key leaves the field alone and None clears it.
    """
    if isinstance(ty, RecordType):
        fields = [(name, name.replace("-", "_"), lowerer(t), _absent(t)) for name, t in ty.fields]

        def record(value):
            if isinstance(value, Record):
                return value
            rec = Record()
            for name, key, lower, absent in fields:
                v = value.get(key, _MISSING)
                setattr(rec, name, absent() if v is _MISSING else lower(v))
            return rec
        return record
    if isinstance(ty, OptionType):
        inner = lowerer(ty.payload)
        if isinstance(ty.payload, OptionType):
            return lambda value: Variant("some", inner(value))
        return lambda value: None if value is None else inner(value)
    if isinstance(ty, ListType):
        element = lowerer(ty.element)
        return lambda value: [element(v) for v in value] if isinstance(value, (list, tuple)) else value
    if isinstance(ty, TupleType):
        elements = [lowerer(t) for t in ty.elements]
        return lambda value: tuple(lower(v) for lower, v in zip(elements, value))
    return lambda value: value


def _absent(ty):
    """What a record field that the caller left out becomes."""
    if isinstance(ty, OptionType):
        if isinstance(ty.payload, OptionType):
            return lambda: Variant("none")
        return lambda: None
    if isinstance(ty, ListType):
        return list

    def required():
        raise TypeError(f"a value of {ty} is required")
    return required


def plain(value):
    """A wasmtime-py answer as plain dicts (snake_case keys) and lists."""
    if isinstance(value, Record):
        return {k.replace("-", "_"): plain(v) for k, v in vars(value).items()}
    if isinstance(value, Variant):
        return {"tag": value.tag, "val": plain(value.payload)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value
