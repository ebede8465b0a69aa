// Builds app.js into audit-trail.wasm (or the path given as the first
// argument) against wit/extension, with every WASI feature of the JS engine
// disabled: the component imports only what the extension world offers.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { componentize } from '@bytecodealliance/componentize-js';

const here = new URL('.', import.meta.url);
const { component } = await componentize({
  sourcePath: new URL('app.js', here).pathname,
  witPath: new URL('../../wit/extension', here).pathname,
  worldName: 'extension',
  disableFeatures: ['stdio', 'random', 'clocks', 'http', 'fetch-event'],
});
const out = resolve(process.argv[2] ?? new URL('audit-trail.wasm', here).pathname);
await mkdir(dirname(out), { recursive: true });
await writeFile(out, component);
console.log(out);
