<?php
// Drives the official BlueRockTEL PHP SDK, unchanged, against a running
// server: its own login, then every contact call a call centre makes, with
// each value read back through the SDK's typed Contact entity.
//
// Run by tests/php_sdk.rs. Environment: CONTACTS_CLIENTS (the folder of the
// real clients), CONTACTS_BASE (http://host:port), CONTACTS_EMAIL,
// CONTACTS_PASSWORD, CONTACTS_CUSTOMER (a customer id made through the
// directory routes), CONTACTS_CUSTOMER_NAME.
// Prints one line per passed step; the first failed check exits 1.

declare(strict_types=1);

function env(string $name): string
{
    $v = getenv($name);
    if ($v === false || $v === '') {
        fwrite(STDERR, "missing environment variable $name\n");
        exit(2);
    }
    return $v;
}

require env('CONTACTS_CLIENTS') . '/bluerocktel-php-sdk/vendor/autoload.php';

use BlueRockTEL\SDK\BlueRockTELConnector;
use BlueRockTEL\SDK\Entities\Contact;
use BlueRockTEL\SDK\EntityCollection;
use BlueRockTEL\SDK\Exceptions\AuthenticationException;
use Carbon\Carbon;
use Saloon\Http\Response;

function check(bool $cond, string $what): void
{
    if (!$cond) {
        echo "FAILED: $what\n";
        exit(1);
    }
}

/** Same value and same PHP type. */
function same(mixed $actual, mixed $expected, string $what): void
{
    check(
        $actual === $expected,
        "$what: expected " . var_export($expected, true) . ' (' . get_debug_type($expected)
            . '), got ' . var_export($actual, true) . ' (' . get_debug_type($actual) . ')'
    );
}

function passed(string $step): void
{
    echo "ok - $step\n";
}

/** The response's DTO; a failure reports the status and body. */
function dto(Response $r, string $what): mixed
{
    check(!$r->failed(), "$what failed: {$r->status()} {$r->body()}");
    try {
        return $r->dtoOrFail();
    } catch (Throwable $e) {
        check(false, "$what: dtoOrFail threw " . get_class($e) . ': ' . $e->getMessage()
            . " on {$r->status()} {$r->body()}");
    }
}

/** A timestamp the server set just now, as the entity declares it (Carbon). */
function recent(mixed $t, string $what): void
{
    check($t instanceof Carbon, "$what is a Carbon, got " . get_debug_type($t));
    same($t->getOffset(), 0, "$what is in UTC");
    check(abs($t->diffInSeconds(Carbon::now(), false)) < 300, "$what is recent: $t");
}

$base = rtrim(env('CONTACTS_BASE'), '/');
$email = env('CONTACTS_EMAIL');
$password = env('CONTACTS_PASSWORD');
$customerId = (int) env('CONTACTS_CUSTOMER');
$customerName = env('CONTACTS_CUSTOMER_NAME');

// ---- login: the SDK's own, with the stock connector ----

$wrong = new BlueRockTELConnector("$base/api/", $email, "not $password");
try {
    $wrong->contact()->show(1);
    check(false, 'a wrong password must fail the SDK login');
} catch (AuthenticationException) {
    passed('wrong password: the SDK throws AuthenticationException');
}

$api = new BlueRockTELConnector("$base/api/", $email, $password);
try {
    $r = $api->contact()->index('App\Customer', $customerId);
} catch (AuthenticationException $e) {
    check(false, 'login: ' . $e->getMessage());
}
same($r->status(), 200, 'index before any contact: status');
same($r->json(), [], 'index before any contact: body');
passed('login with email and password, then an empty index');

// ---- store ----

$sent = new Contact(
    contactable_type: 'App\Customer',
    contactable_id: $customerId,
    civility: 2,
    firstName: 'Jeanne',
    lastName: 'Martin',
    emailAddress: 'Jeanne.Martin@Example.FR',
    mobilePhone: '06 12 34 56 78',
    landlinePhone: '+33 1 23 45 67 89',
    role: 'CFO',
    profunction_id: 7,
    service: 3,
    legalRepresentative: true,
    invoicesRecipient: true,
    newslettersRecipient: false,
    is_signer_contract: true,
    is_signer_iban: false,
    source: 'api',
    comment: 'Prefers mornings',
);

/** Every field of the entity that the server sets, with its value and type. */
function checkJeanne(Contact $c, string $what, array $changed = []): void
{
    global $customerId, $customerName;
    $want = [
        'contactable_type' => 'App\Customer',
        'contactable_id' => $customerId,
        'user_id' => null,
        'civility' => 2,
        'firstName' => 'Jeanne',
        'lastName' => 'Martin',
        // The domain is stored lowercased (spec §3).
        'emailAddress' => 'Jeanne.Martin@example.fr',
        'company' => $customerName,
        'mobilePhone' => '06 12 34 56 78',
        'landlinePhone' => '+33 1 23 45 67 89',
        'role' => 'CFO',
        'profunction_id' => 7,
        'service' => 3,
        'legalRepresentative' => true,
        'invoicesRecipient' => true,
        'newslettersRecipient' => false,
        'is_signer_contract' => true,
        'is_signer_iban' => false,
        'source' => 'api',
        'comment' => 'Prefers mornings',
        ...$changed,
    ];
    check(is_int($c->id) && $c->id > 0, "$what: id is a positive int, got " . var_export($c->id, true));
    foreach ($want as $field => $value) {
        same($c->$field, $value, "$what: $field");
    }
    recent($c->created_at, "$what: created_at");
    recent($c->updated_at, "$what: updated_at");
    check($c->updated_at->gte($c->created_at), "$what: updated_at >= created_at");
}

$r = $api->contact()->store($sent);
same($r->status(), 201, 'store: status');
$jeanne = dto($r, 'store');
check($jeanne instanceof Contact, 'store gives a Contact');
checkJeanne($jeanne, 'store');
$id = $jeanne->id;
passed("store: contact $id read back with every field typed");

// A second, minimal contact: what the server fills in by itself.
$r = $api->contact()->store(new Contact(
    contactable_type: 'App\Customer',
    contactable_id: $customerId,
    lastName: 'Bernard',
    emailAddress: 'paul.bernard@example.fr',
));
same($r->status(), 201, 'store minimal: status');
$paul = dto($r, 'store minimal');
foreach ([
    'civility' => null,
    'firstName' => null,
    'lastName' => 'Bernard',
    'mobilePhone' => null,
    'landlinePhone' => null,
    'role' => null,
    'profunction_id' => null,
    'service' => null,
    'company' => $customerName,
    'legalRepresentative' => false,
    'invoicesRecipient' => false,
    'newslettersRecipient' => false,
    'is_signer_contract' => false,
    'is_signer_iban' => false,
    'source' => 'admin',
    'comment' => null,
] as $field => $value) {
    same($paul->$field, $value, "store minimal: $field");
}
recent($paul->created_at, 'store minimal: created_at');
passed("store minimal: contact {$paul->id} with the server's defaults");

// ---- index ----

$r = $api->contact()->index('App\Customer', $customerId);
same($r->status(), 200, 'index: status');
$list = dto($r, 'index');
check($list instanceof EntityCollection, 'index gives an EntityCollection');
same($list->count(), 2, 'index: count');
check($list->every(fn ($c) => $c instanceof Contact), 'index: every item is a Contact');
// Ordered by last name.
same($list->pluck('lastName')->all(), ['Bernard', 'Martin'], 'index: order');
checkJeanne($list->firstWhere('id', $id), 'index');
passed('index: both contacts, by last name, typed');

// ---- show ----

$r = $api->contact()->show($id);
same($r->status(), 200, 'show: status');
$shown = dto($r, 'show');
checkJeanne($shown, 'show');
same($shown->id, $id, 'show: id');
passed('show: every field typed');

// ---- update: the received entity, one field changed, sent back ----

// The entity is read-only: the SDK's own fromArray makes the changed copy.
$changed = Contact::fromArray(['role' => 'CEO'] + $shown->toArray());
same($changed->role, 'CEO', 'the changed copy');
$r = $api->contact()->update($changed);
same($r->status(), 201, 'update: status');
$updated = dto($r, 'update');
checkJeanne($updated, 'update', ['role' => 'CEO']);
same($updated->id, $id, 'update: id');
check($updated->updated_at->gte($shown->updated_at), 'update: updated_at moves forward');
passed('update: role changed, every other field kept');

// The received entity sent back as it is (with its `response`): a no-op.
$r = $api->contact()->upsert($api->contact()->show($id)->dtoOrFail());
same($r->status(), 201, 'upsert of the received entity: status');
checkJeanne(dto($r, 'upsert'), 'upsert', ['role' => 'CEO']);
passed('upsert: the received entity re-sent unchanged');

// ---- showByNumber: the caller ids a call centre sees ----

foreach ([
    '+33612345678',
    '0033612345678',
    '06 12 34 56 78',
    '0612345678',
    '612345678', // the last 9 digits (3CX MaxLength)
] as $number) {
    $r = $api->contact()->showByNumber($number);
    same($r->status(), 200, "showByNumber($number): status");
    $found = dto($r, "showByNumber($number)");
    check($found instanceof Contact, "showByNumber($number) gives a Contact");
    same($found->id, $id, "showByNumber($number): id");
    checkJeanne($found, "showByNumber($number)", ['role' => 'CEO']);
    passed("showByNumber($number): contact $id");
}
foreach (['+33123456789', '01 23 45 67 89'] as $number) {
    $found = dto($api->contact()->showByNumber($number), "showByNumber($number)");
    same($found->id, $id, "showByNumber($number): id (landline)");
    passed("showByNumber($number): contact $id by its landline");
}

// Not found, the SDK's way: failed() from the `response` text, and no DTO.
// An empty caller id (a withheld number) is a 422, and must fail the same way.
foreach (['0699999999' => 404, 'anonymous' => 404, '' => 422] as $number => $status) {
    $number = (string) $number;
    $r = $api->contact()->showByNumber($number);
    check($r->failed(), "showByNumber('$number') must fail: {$r->status()} {$r->body()}");
    same($r->status(), $status, "showByNumber('$number'): status");
    same($r->json('response'), 'Contact not found', "showByNumber('$number'): response");
    try {
        $r->dtoOrFail();
        check(false, "showByNumber('$number'): dtoOrFail must throw");
    } catch (LogicException) {
    }
    passed("showByNumber('$number'): the SDK's not-found");
}

// ---- delete ----

$r = $api->contact()->delete($id);
same($r->status(), 200, 'delete: status');
check(!$r->failed(), 'delete did not fail');
check(is_string($r->json('message')), 'delete: a message');
$r = $api->contact()->show($id);
check($r->failed(), 'show after delete fails');
same($r->status(), 404, 'show after delete: status');
$r = $api->contact()->showByNumber('+33612345678');
check($r->failed(), 'showByNumber after delete fails');
$left = dto($api->contact()->index('App\Customer', $customerId), 'index after delete');
same($left->pluck('id')->all(), [$paul->id], 'index after delete');
passed("delete: contact $id is gone");

echo "deleted $id kept {$paul->id}\n";
