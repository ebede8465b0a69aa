// Runs the contacts component in Node through jco's transpiled glue, the way
// docs/embedding.md asks.
//
// - `jco transpile contacts_guest_pure.wasm --instantiation sync` gives the
//   glue (`contacts.js`) and its core modules. The pure build needs no WASI
//   shim; the wasm32-wasip2 build needs `@bytecodealliance/preview2-shim`.
// - The core modules are compiled once (`Contacts.load`); each instance is
//   configured once, then serves call after call.
// - A host function fails a call by throwing an `Error`: the call traps.
//   jco would go on using the instance after a trap, so this host drops it
//   and the next call gets a fresh one.
// - A guest error (`result::err`) is thrown by the glue as a `ComponentError`
//   whose `payload` is the WIT `error` variant; the instance stays.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** An error the component returned (`not-found`, `invalid`, ...). */
export class GuestError extends Error {
  constructor(payload) {
    super(typeof payload === 'string' ? payload : `${payload.tag}: ${JSON.stringify(payload.val, plainJson)}`);
    this.tag = payload.tag;
    this.val = payload.val;
  }
}

const plainJson = (_k, v) => (typeof v === 'bigint' ? Number(v) : v);
const isGuestError = (e) => e != null && Object.prototype.hasOwnProperty.call(e, 'payload');

export class Contacts {
  constructor(glue, modules, imports, settings) {
    this.glue = glue;
    this.modules = modules;
    this.imports = imports;
    this.settings = settings;
    this.api = null;
    this.discarded = 0;
  }

  /**
   * Loads the transpiled glue from `dir` and compiles its core modules.
   * `store` and `directory` are objects with the WIT functions in camelCase.
   */
  static async load(dir, { store, directory, settings }) {
    const glue = await import(pathToFileURL(join(dir, 'contacts.js')).href);
    const modules = new Map();
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.wasm'))) {
      modules.set(name, new WebAssembly.Module(readFileSync(join(dir, name))));
    }
    // Each import calls the object's method of the moment, so a host can swap
    // a backend (the walkthrough fails one on purpose).
    const bind = (target) =>
      Object.fromEntries(
        Object.getOwnPropertyNames(Object.getPrototypeOf(target))
          .filter((name) => name !== 'constructor' && typeof target[name] === 'function')
          .map((name) => [name, (...args) => target[name](...args)]),
      );
    const imports = {
      'contacts:core/store': bind(store),
      'contacts:core/directory': bind(directory),
      'contacts:core/types': {},
    };
    return new Contacts(glue, modules, imports, settings);
  }

  /**
   * A new instance's `api`, configured with `settings` (default: the host's)
   * unless `configure` is false (see the misuse demo).
   */
  fresh({ configure = true, settings = this.settings } = {}) {
    const { api } = this.glue.instantiate((name) => this.modules.get(name), this.imports);
    if (configure) {
      try {
        api.configure(settings);
      } catch (e) {
        throw new Error(`the component refused its settings: ${e.payload ?? e.message}`);
      }
    }
    return api;
  }

  /** Calls an `api` function (camelCase name) on a live instance. */
  call(name, ...args) {
    this.api ??= this.fresh();
    try {
      return this.api[name](...args);
    } catch (e) {
      if (isGuestError(e)) throw new GuestError(e.payload);
      // A trap: the instance may be in any state. Drop it.
      this.api = null;
      this.discarded++;
      throw e;
    }
  }
}

// ---- building values the way jco lowers them ----

const PATCH_OPTIONS = [
  'civility', 'firstName', 'lastName', 'email', 'role', 'service', 'mobilePhone', 'landlinePhone',
  'primaryPhone', 'legalRepresentative', 'invoicesRecipient', 'newslettersRecipient',
  'isSignerContract', 'isSignerIban', 'profunctionId', 'comment', 'permissions', 'source',
  'avatarUrl', 'userId', 'sourceId', 'street', 'city', 'state', 'postalCode', 'countryId',
];

/**
 * A `contact-patch` from the fields to change. jco represents each
 * `option<option<T>>` field as `{ tag: 'none' }` or `{ tag: 'some', val }`
 * and requires every one of them, so the others are filled in; a field set
 * to `null` is cleared (`some(none)`).
 */
export function patch(fields) {
  const out = { customFields: [], ...fields };
  for (const name of PATCH_OPTIONS) {
    out[name] = name in fields ? { tag: 'some', val: fields[name] ?? undefined } : { tag: 'none' };
  }
  return out;
}
