// Drives the HelperIQ agent UI's own API module (frontend/src/api/index.js),
// unchanged, against a running contacts server, calling each function with
// the arguments the UI's Vue views pass and checking what the agent would see.
//
// Environment (tests/helperiq_ui.rs sets it):
//   CONTACTS_BASE_URL     http://127.0.0.1:PORT
//   CONTACTS_TOKEN        agent A: every scope
//   CONTACTS_OTHER_TOKEN  agent B: notes read/write and contacts read only
//   CONTACTS_UI_DIR       a copy of the UI module with its node_modules
//   CONTACTS_CONTACT_ID   a contact seeded through the BlueRockTEL API
//                         (Linda Olsen, linda@example.com, 06 12 34 56 78,
//                         avatar https://cdn.example/linda.png)
//   CONTACTS_SEEDED       how many contacts exist in all (the list's total)
//
// Prints one `ok - …` line per passed step; on the first failure prints what
// differed (and what the agent's toast would say) and exits 1.

import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const env = (name) => {
  const v = process.env[name]
  if (!v) {
    console.error(`missing environment variable ${name}`)
    process.exit(2)
  }
  return v
}
const base = env('CONTACTS_BASE_URL')
const tokenA = env('CONTACTS_TOKEN')
const tokenB = env('CONTACTS_OTHER_TOKEN')
const uiDir = env('CONTACTS_UI_DIR')
const lindaId = Number(env('CONTACTS_CONTACT_ID'))
const seeded = Number(env('CONTACTS_SEEDED'))
// Linda's avatar, set by the seeding through the JSON update.
const AVATAR = 'https://cdn.example/linda.png'

const url = (rel) => pathToFileURL(join(uiDir, rel)).href

// The module imports the bare `axios`, which Node resolves (import condition)
// to node_modules/axios/index.js; importing that same file shares its defaults.
const { default: axios } = await import(url('node_modules/axios/index.js'))
const { handleHTTPError } = await import(url('frontend/src/utils/http.js'))
const { createFormSchema } = await import(url('frontend/src/features/contact/formSchema.js'))
const { default: countries } = await import(url('frontend/src/constants/countries.js'))

// What the README asks for before the import: the module's private axios
// instance copies these defaults when it is created.
globalThis.document = { cookie: '' }
axios.defaults.baseURL = base
axios.defaults.headers.common['X-Contacts-Dialect'] = 'helperiq'

// One module instance per agent: a distinct URL is a distinct ES module, so
// each gets its own axios instance with its own Authorization header.
async function apiAs (token, who) {
  axios.defaults.headers.common.Authorization = `Bearer ${token}`
  const mod = await import(url('frontend/src/api/index.js') + `?agent=${who}`)
  return mod.default
}
const api = await apiAs(tokenA, 'a')
const apiB = await apiAs(tokenB, 'b')

// ---- a tiny step runner ----

class Mismatch extends Error {}
const fail = (msg) => { throw new Mismatch(msg) }
const show = (v) => JSON.stringify(v)
function eq (actual, expected, what) {
  if (show(actual) !== show(expected)) fail(`${what}: expected ${show(expected)}, got ${show(actual)}`)
}
function check (cond, what) { if (!cond) fail(what) }

async function step (name, fn) {
  try {
    // A step may return what the agent saw (its toasts) for the log.
    const saw = await fn()
    console.log(`ok - ${name}${saw ? ` (${saw})` : ''}`)
  } catch (err) {
    console.log(`FAIL - ${name}`)
    if (err instanceof Mismatch) {
      console.log(`  ${err.message}`)
    } else {
      // An unexpected rejection: what the UI's toast would say, and the wire.
      const shown = handleHTTPError(err)
      console.log(`  the agent would see: ${show(shown.message)} (status ${shown.status_code})`)
      if (err.config) console.log(`  request: ${err.config.method?.toUpperCase()} ${err.config.url}`)
      if (err.response) console.log(`  response: ${show(err.response.data)}`)
      if (!err.response) console.log(`  ${err.stack || err}`)
    }
    process.exit(1)
  }
}

/** The rejection a call must end in, as the UI's error helper renders it. */
async function rejection (promise, what) {
  try {
    const r = await promise
    fail(`${what}: expected an error, got ${r.status} ${show(r.data)}`)
  } catch (err) {
    if (err instanceof Mismatch) throw err
    return handleHTTPError(err)
  }
}

// vee-validate runs the zod schema, and the view submits its output.
const t = (key, params) => (params ? `${key} ${show(params)}` : key)
const schema = createFormSchema(t)
function formValues (values, what) {
  const parsed = schema.safeParse(values)
  if (!parsed.success) fail(`${what}: the UI's form would refuse ${show(values)}: ${parsed.error.message}`)
  return parsed.data
}

// The conversation sidebar's phone line.
function phoneLine (c) {
  if (!c.phone_number_country_code) return c.phone_number || 'N/A'
  const country = countries.find((x) => x.iso_2 === c.phone_number_country_code)
  return `${country ? country.calling_code : c.phone_number_country_code} ${c.phone_number}`
}

const initials = (c) => `${c.first_name?.[0] || ''}${c.last_name?.[0] || ''}`.toUpperCase()
const blockLabel = (c) => (c.enabled ? 'Block' : 'Unblock')

// ---- the views ----

let meA, meB
await step('agents/me: the user store gets id, names, email and permissions', async () => {
  const { data } = await api.getCurrentUser()
  meA = data.data
  check(Number.isInteger(meA.id), `id is not an integer: ${show(meA)}`)
  eq(meA.first_name, 'Alice', 'first_name')
  eq(meA.last_name, 'Agent', 'last_name')
  eq(meA.email, 'alice@helpdesk.example', 'email')
  check(Array.isArray(meA.permissions), `permissions is not an array: ${show(meA)}`)
  for (const p of ['contacts:read_all', 'contacts:write', 'contacts:block', 'contact_notes:delete']) {
    check(meA.permissions.includes(p), `userStore.can('${p}') would be false: ${show(meA.permissions)}`)
  }
  meB = (await apiB.getCurrentUser()).data.data
  eq(meB.first_name, 'Bob', 'the second agent')
  check(meB.id !== meA.id, 'both agents have the same id')
  check(!meB.permissions.includes('contact_notes:delete'), 'Bob should not hold contact_notes:delete')
})

// ContactsList.vue: page 1 of 15, newest first, then the order menu and the
// "Search by email" box.
const listParams = (over = {}) => ({
  page: 1, page_size: 15, filters: '', order: 'desc', order_by: 'users.created_at', ...over
})
await step('contacts page: 15 per page, newest first, "Page 1 of N"', async () => {
  const { data } = await api.getContacts(listParams())
  const d = data.data
  eq(d.total, seeded, 'total')
  eq(d.total_pages, Math.ceil(seeded / 15), 'total_pages')
  eq(d.results.length, 15, 'cards on page 1')
  const created = d.results.map((c) => Date.parse(c.created_at))
  check(created.every((x) => !Number.isNaN(x)), `created_at not a date: ${show(d.results[0])}`)
  check(created.every((x, i) => i === 0 || created[i - 1] >= x), 'not newest first')
  const ids = d.results.map((c) => c.id)
  check(ids.every((x, i) => i === 0 || ids[i - 1] > x), `ties not broken newest id first: ${show(ids)}`)
  eq(`${d.results[0].first_name} ${d.results[0].last_name}`.trim(), 'Guest 16', 'first card')
  const last = (await api.getContacts(listParams({ page: d.total_pages }))).data.data
  eq(last.results.length, seeded - 15 * (d.total_pages - 1), 'cards on the last page')
  eq(last.results.at(-1).id, lindaId, 'the oldest contact is last')
  eq(initials(last.results.at(-1)), 'LO', 'avatar initials')
})

await step('contacts page: order by email, ascending and descending', async () => {
  const asc = (await api.getContacts(listParams({ order_by: 'users.email', order: 'asc' }))).data.data.results
  const emails = asc.map((c) => c.email)
  eq(emails, [...emails].sort(), 'emails ascending')
  const desc = (await api.getContacts(listParams({ order_by: 'users.email', order: 'desc' }))).data.data.results
  eq(desc[0].email, 'zed@zorg.example', 'first email descending')
})

const emailBox = (term) => JSON.stringify([{ model: 'users', field: 'email', operator: 'ilike', value: term }])
await step('contacts page: the "Search by email" box filters with ilike', async () => {
  const d = (await api.getContacts(listParams({ filters: emailBox('LINDA@exa') }))).data.data
  eq(d.total, 1, 'matches')
  eq(d.total_pages, 1, 'total_pages')
  eq(d.results[0].id, lindaId, 'the match')
  const none = (await api.getContacts(listParams({ filters: emailBox('nobody-here') }))).data.data
  eq(none.results, [], '"No contacts found" needs an empty list')
  eq(none.total_pages, 0, 'total_pages of nothing')
  const guests = (await api.getContacts(listParams({ filters: emailBox('guest1'), order: 'asc' }))).data.data
  eq(guests.results.map((c) => c.first_name), ['Guest', 'Guest', 'Guest', 'Guest', 'Guest', 'Guest', 'Guest', 'Guest'], 'guest1… names')
  eq(guests.results.map((c) => c.last_name), ['1', '10', '11', '12', '13', '14', '15', '16'].sort((a, b) => Number(a) - Number(b)), 'guest1… oldest first')
})

// ContactDetailView.vue: fetchContact, then form.setValues(data.data).
let linda
await step('detail page: header, created on, block button, phone, form values', async () => {
  const { data } = await api.getContact(lindaId)
  linda = data.data
  eq(`${linda.first_name} ${linda.last_name}`, 'Linda Olsen', 'header')
  check(!Number.isNaN(new Date(linda.created_at).getTime()), `created on: ${linda.created_at}`)
  eq(blockLabel(linda), 'Block', 'block button')
  eq(linda.avatar_url, AVATAR, 'avatar_url')
  eq(linda.phone, '06 12 34 56 78', 'phone as entered')
  eq(phoneLine(linda), '+33 612345678', 'phone line')
  formValues(linda, 'the loaded contact')
})

await step('edit form (multipart): submitting it unchanged changes nothing', async () => {
  // Linda's phone was typed "06 12 34 56 78" elsewhere; the form shows and
  // sends back 612345678 + FR, which must not rewrite it.
  await api.updateContact(lindaId, { ...formValues(linda, 'unchanged') })
  const after = (await api.getContact(lindaId)).data.data
  eq(after, linda, 'the contact after an unchanged submit')
})

// ContactForm.vue submit: api.updateContact(id, { ...values }) with the
// multipart header, i.e. axios turns the object into form fields.
await step('edit form (multipart): names and a phone through phone_number + country', async () => {
  const values = formValues({ ...linda, first_name: 'Lindy', phone_number: '7400123456', phone_number_country_code: 'GB' }, 'edit')
  await api.updateContact(lindaId, { ...values })
  const c = (await api.getContact(lindaId)).data.data
  eq(c.first_name, 'Lindy', 'first_name')
  eq(c.last_name, 'Olsen', 'last_name')
  eq(c.email, 'linda@example.com', 'email')
  eq(c.phone_number, '7400123456', 'phone_number')
  eq(c.phone_number_country_code, 'GB', 'phone_number_country_code')
  eq(phoneLine(c), '+44 7400123456', 'phone line')
  eq(c.enabled, true, 'enabled (blocking has its own route)')
  eq(c.avatar_url, AVATAR, 'avatar_url')
  linda = c
})

await step('edit form (multipart): clearing the last name and the phone', async () => {
  const values = formValues({ ...linda, last_name: '', phone_number: '' }, 'clear')
  await api.updateContact(lindaId, { ...values })
  const c = (await api.getContact(lindaId)).data.data
  eq(c.last_name, '', 'last_name')
  eq(c.phone_number, null, 'phone_number')
  eq(c.phone_number_country_code, null, 'phone_number_country_code')
  eq(phoneLine(c), 'N/A', 'phone line')
  const back = formValues({ ...c, last_name: 'Olsen', phone_number: '612345678', phone_number_country_code: 'FR' }, 'restore')
  await api.updateContact(lindaId, { ...back })
  linda = (await api.getContact(lindaId)).data.data
  eq(phoneLine(linda), '+33 612345678', 'phone line restored')
})

// AvatarUpload's remove: onUpload(null) posts a browser FormData, whose
// append() turns null and undefined into "null" and "undefined".
await step('avatar removal: FormData with "null" file and the form values', async () => {
  const fd = new FormData()
  fd.append('files', null)
  fd.append('first_name', linda.first_name)
  fd.append('last_name', linda.last_name)
  fd.append('email', linda.email)
  fd.append('phone_number', linda.phone_number)
  fd.append('phone_number_country_code', linda.phone_number_country_code)
  fd.append('enabled', linda.enabled)
  await api.updateContact(lindaId, fd)
  const c = (await api.getContact(lindaId)).data.data
  eq(c.first_name, linda.first_name, 'first_name')
  eq(c.avatar_url, null, 'avatar_url')
  eq(phoneLine(c), phoneLine(linda), 'phone line')
})

await step('edit form: a bad email the form lets through shows the server\'s reason', async () => {
  const values = formValues({ ...linda, email: 'linda@acme-.fr' }, 'bad email')
  const shown = await rejection(api.updateContact(lindaId, { ...values }), 'bad email')
  eq(shown.status_code, 400, 'status')
  eq(shown.error_type, 'InputException', 'error_type')
  eq(shown.message, 'Invalid email address', 'toast')
  const taken = formValues({ ...linda, email: 'ZED@zorg.example' }, 'taken email')
  const dup = await rejection(api.updateContact(lindaId, { ...taken }), 'taken email')
  eq(dup.message, 'Another contact with same email already exists', 'toast')
  eq((await api.getContact(lindaId)).data.data.email, 'linda@example.com', 'email unchanged')
  return `toasts: ${show(shown.message)}, ${show(dup.message)}`
})

await step('block and unblock through enabled', async () => {
  await api.blockContact(lindaId, { enabled: !linda.enabled })
  linda = (await api.getContact(lindaId)).data.data
  eq(linda.enabled, false, 'enabled after block')
  eq(blockLabel(linda), 'Unblock', 'button')
  const found = (await api.searchContacts({ query: 'linda@example.com' })).data.data
  eq(found.map((c) => c.enabled), [false], 'search shows the blocked contact')
  await api.blockContact(lindaId, { enabled: !linda.enabled })
  linda = (await api.getContact(lindaId)).data.data
  eq(linda.enabled, true, 'enabled after unblock')
  eq(blockLabel(linda), 'Block', 'button')
  const shown = await rejection(apiB.blockContact(lindaId, { enabled: false }), 'block without contacts:block')
  eq(shown.status_code, 403, 'status')
  check(shown.message && shown.message !== 'Unknown error', `toast: ${show(shown.message)}`)
  return `toast without the scope: ${show(shown.message)}`
})

// ConversationSideBarContact.vue and EmailTagInput.vue: { query }.
await step('search: by name, email and phone, as the sidebar and email input list them', async () => {
  const byName = (await api.searchContacts({ query: 'lind' })).data.data
  eq(byName.map((c) => `${c.first_name} ${c.last_name}`), ['Lindy Olsen'], 'sidebar rows')
  const suggest = async (query) => (await api.searchContacts({ query })).data.data
    .map((c) => ({ name: [c.first_name, c.last_name].filter(Boolean).join(' '), email: c.email }))
  const zed = { name: 'Zed', email: 'zed@zorg.example' }
  eq((await suggest('zed@zorg.example'))[0], zed, 'exact email first')
  eq(await suggest('zed@zo'), [zed], 'the start of an address')
  // Typing the company's domain into the CC box suggests its people.
  eq(await suggest('zorg.example'), [zed], 'by domain')
  eq(await suggest('@zorg'), [zed], 'by the start of a domain')
  const byPhone = (await api.searchContacts({ query: '06 12 34 56 78' })).data.data
  eq(byPhone.map((c) => c.id), [lindaId], 'by phone')
  eq((await api.searchContacts({ query: 'guest' })).data.data.length, 16, 'many guests')
})

let nora
await step('quick-create: creates, then finds the same contact by email', async () => {
  const res = await api.quickCreateContact({ email: 'nora@example.com', first_name: 'Nora', last_name: '' })
  nora = res.data?.data
  check(nora && Number.isInteger(nora.id), `no contact in ${show(res.data)}`)
  eq([nora.first_name, nora.last_name, nora.email], ['Nora', '', 'nora@example.com'], 'created')
  const again = (await api.quickCreateContact({ email: ' NORA@example.com', first_name: 'N', last_name: 'X' })).data.data
  eq(again.id, nora.id, 'the same contact')
  eq(again.first_name, 'Nora', 'names untouched')
  const shown = await rejection(api.quickCreateContact({ email: '', first_name: 'No', last_name: '' }), 'no email')
  eq(shown.message, 'Email is required', 'toast')
  return `toast: ${show(shown.message)}`
})

// ContactNotes.vue: { note, notify_user_ids }, then the list; the delete
// menu shows for the author holding contact_notes:delete, or admins.
await step('notes: create and list newest first with the author', async () => {
  const first = (await api.createContactNote(lindaId, { note: '<p>Wants invoice changes</p>', notify_user_ids: [meB.id] })).data.data
  eq(first.note, '<p>Wants invoice changes</p>', 'echoed note')
  await apiB.createContactNote(lindaId, { note: '<p>Called back</p>', notify_user_ids: [] })
  await apiB.createContactNote(lindaId, { note: '<p>Left a voicemail</p>', notify_user_ids: [] })
  const notes = (await api.getContactNotes(lindaId)).data.data
  eq(notes.map((n) => n.note), ['<p>Left a voicemail</p>', '<p>Called back</p>', '<p>Wants invoice changes</p>'], 'cards')
  eq(notes.map((n) => `${n.first_name} ${n.last_name}`), ['Bob Agent', 'Bob Agent', 'Alice Agent'], 'authors')
  eq(notes.map((n) => n.user_id), [meB.id, meB.id, meA.id], 'user_id is the author')
  check(notes.every((n) => !Number.isNaN(new Date(n.created_at).getTime())), 'note dates')
  const menu = notes.map((n) => meA.permissions.includes('contact_notes:delete') && n.user_id === meA.id)
  eq(menu, [false, false, true], 'Alice\'s delete menu')
})

await step('notes: an empty editor (<p></p>) is refused with a reason', async () => {
  const shown = await rejection(api.createContactNote(lindaId, { note: '<p></p>', notify_user_ids: [] }), 'an empty note')
  eq(shown.status_code, 400, 'status')
  eq(shown.message, 'Note content is required', 'toast')
  eq((await api.getContactNotes(lindaId)).data.data.length, 3, 'notes')
  return `toast: ${show(shown.message)}`
})

await step('notes: someone else\'s note is refused with the reason; the author deletes', async () => {
  const notes = (await apiB.getContactNotes(lindaId)).data.data
  const alices = notes.find((n) => n.user_id === meA.id)
  const shown = await rejection(apiB.deleteContactNote(lindaId, alices.id), 'Bob deletes Alice\'s note')
  eq(shown.status_code, 403, 'status')
  eq(shown.error_type, 'PermissionException', 'error_type')
  eq(shown.message, 'You can only delete your own note', 'toast')
  const bobs = notes.filter((n) => n.user_id === meB.id)
  await apiB.deleteContactNote(lindaId, bobs[0].id)
  // Alice holds contact_notes:delete: she may delete Bob's other note.
  await api.deleteContactNote(lindaId, bobs[1].id)
  const left = (await api.getContactNotes(lindaId)).data.data
  eq(left.map((n) => n.id), [alices.id], 'notes left')
  const gone = await rejection(api.deleteContactNote(lindaId, bobs[0].id), 'a deleted note')
  eq(gone.status_code, 404, 'status')
  return `toasts: ${show(shown.message)}, ${show(gone.message)}`
})

await step('delete: the contact is gone from its page, the list and search', async () => {
  await api.deleteContact(nora.id)
  const shown = await rejection(api.getContact(nora.id), 'the deleted contact')
  eq(shown.status_code, 404, 'status')
  check(shown.message && shown.message !== 'Unknown error', `toast: ${show(shown.message)}`)
  const d = (await api.getContacts(listParams({ filters: emailBox('nora@') }))).data.data
  eq(d.results, [], 'list')
  eq((await api.searchContacts({ query: 'nora' })).data.data, [], 'search')
  const denied = await rejection(apiB.deleteContact(lindaId), 'delete without contacts:delete')
  eq(denied.status_code, 403, 'status')
  return `toasts: ${show(shown.message)}, ${show(denied.message)}`
})

console.log('all steps passed')
