"""The checks of migration.sh (see there), as TAP."""
import base64, hashlib, json, os, struct, subprocess, sys, tempfile

import psycopg
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

settings.configure(PASSWORD_HASHERS=[
    'django.contrib.auth.hashers.PBKDF2PasswordHasher', 'django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher',
    'django.contrib.auth.hashers.Argon2PasswordHasher', 'django.contrib.auth.hashers.BCryptSHA256PasswordHasher'])
from django.contrib.auth.hashers import make_password  # noqa: E402
from passlib.hash import pbkdf2_sha1, pbkdf2_sha256, pbkdf2_sha512  # noqa: E402

n = 0


def tap(ok, description):
    global n
    n += 1
    print('%s %d - %s' % ('ok' if ok else 'not ok', n, description), flush=True)


password = base64.b64encode(os.urandom(9)).decode() + 'é!'
wrong = password + 'x'
pw = password.encode()


def b64(b):
    return base64.b64encode(b).decode()


def keycloak(algorithm, digest, iterations, key_bytes):
    """A Keycloak credential (salt and value in base64) made with hashlib, converted as the importer does."""
    salt = os.urandom(16)
    value = hashlib.pbkdf2_hmac(digest, pw, salt, iterations, key_bytes)
    ab = lambda b: b64(b).rstrip('=').replace('+', '.')  # noqa: E731
    return '$%s$%d$%s$%s' % (algorithm, iterations, ab(salt), ab(value))


def aspnet_v3(prf, digest, iterations):
    salt = os.urandom(16)
    return b64(b'\x01' + struct.pack('>III', prf, iterations, 16) + salt +
               hashlib.pbkdf2_hmac(digest, pw, salt, iterations, 32))


def aspnet_v2():
    salt = os.urandom(16)
    return b64(b'\x00' + salt + hashlib.pbkdf2_hmac('sha1', pw, salt, 1000, 32))


def firebase(rounds, mem_cost):
    signer, separator, salt = os.urandom(64), b'\x07', os.urandom(12)
    key = hashlib.scrypt(pw, salt=salt + separator, n=2 ** mem_cost, r=rounds, p=1, maxmem=2 ** 30, dklen=32)
    enc = Cipher(algorithms.AES(key), modes.CTR(b'\0' * 16)).encryptor()
    value = enc.update(signer) + enc.finalize()
    return '$firebase-scrypt$r=%d,m=%d$%s$%s$%s$%s' % (rounds, mem_cost, b64(signer), b64(separator), b64(salt),
                                                      b64(value))


made = [
    ('Django pbkdf2_sha256', 'django-pbkdf2-sha256', make_password(password, hasher='pbkdf2_sha256')),
    ('Django pbkdf2_sha1', 'django-pbkdf2-sha1', make_password(password, hasher='pbkdf2_sha1')),
    ('Django argon2', 'django-argon2', make_password(password, hasher='argon2')),
    ('Django bcrypt_sha256', 'django-bcrypt-sha256', make_password(password, hasher='bcrypt_sha256')),
    ('passlib pbkdf2_sha1', 'pbkdf2-sha1', pbkdf2_sha1.hash(password)),
    ('passlib pbkdf2_sha256', 'pbkdf2-sha256', pbkdf2_sha256.hash(password)),
    ('passlib pbkdf2_sha512', 'pbkdf2-sha512', pbkdf2_sha512.hash(password)),
    ('Keycloak pbkdf2-sha256 (hashlib, 64-byte key)', 'pbkdf2-sha256', keycloak('pbkdf2-sha256', 'sha256', 27500, 64)),
    ('Keycloak pbkdf2-sha512 (hashlib)', 'pbkdf2-sha512', keycloak('pbkdf2-sha512', 'sha512', 210000, 64)),
    ('ASP.NET Identity v2 (hashlib)', 'aspnet-identity-v2', aspnet_v2()),
    ('ASP.NET Identity v3 SHA-256 (hashlib)', 'aspnet-identity-v3', aspnet_v3(1, 'sha256', 10000)),
    ('ASP.NET Identity v3 SHA-512 (hashlib)', 'aspnet-identity-v3', aspnet_v3(2, 'sha512', 100000)),
    ('Firebase scrypt (hashlib + AES-CTR)', 'firebase-scrypt', firebase(8, 14)),
]

with psycopg.connect(autocommit=True) as conn:
    for i, (tool, fmt, h) in enumerate(made):
        email = 'mig%d@example.com' % i
        uid = conn.execute('SELECT auth_import_user(%s, %s)', (email, h)).fetchone()[0]
        detail = conn.execute("SELECT detail->>'format' FROM auth.audit_log WHERE user_id = %s "
                              "AND event = 'user_imported'", (uid,)).fetchone()[0]
        tap(detail == fmt, '%s: imported as %s' % (tool, fmt))
        tap(conn.execute('SELECT auth_verify_password(%s, %s)', (email, wrong)).fetchone()[0] is None,
            '%s: a wrong password is refused' % tool)
        tap(conn.execute('SELECT auth_verify_password(%s, %s)', (email, password)).fetchone()[0] == uid,
            '%s: the right password logs in' % tool)
        row = conn.execute('SELECT password_hash LIKE %s, password_imported FROM auth.users WHERE id = %s',
                           ('$argon2id$%', uid)).fetchone()
        tap(row == (True, False), '%s: and ends as Argon2id' % tool)
        tap(conn.execute('SELECT auth_verify_password(%s, %s)', (email, password)).fetchone()[0] == uid,
            '%s: which verifies the same password' % tool)
    # Firebase's published vector (github.com/firebase/scrypt).
    vector = ('$firebase-scrypt$r=8,m=14$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUS'
              'DzZvpjeJ9WmXA==$Bw==$42xEC+ixf3L2lw==$lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+'
              'VHjoZilo78198JAdRuid5lQ==')
    conn.execute("SELECT auth_import_user('firebase@example.com', %s)", (vector,))
    tap(conn.execute("SELECT auth_verify_password('firebase@example.com', 'user1password')").fetchone()[0]
        is not None, "Firebase's published test vector logs in")

    # Malformed variants: 22023, the hash not echoed, the backend alive.
    good = {fmt: h for _, fmt, h in made}
    bad = [
        good['django-pbkdf2-sha256'].rsplit('$', 1)[0],                       # a field missing
        good['django-pbkdf2-sha256'] + '$x',                                  # a field too many
        good['django-pbkdf2-sha256'].replace('$', '$0$', 1).split('$0$')[0] + '$0$s$' + good['django-pbkdf2-sha256'].split('$')[3],
        'pbkdf2_sha256$99999999$s$' + good['django-pbkdf2-sha256'].split('$')[3],   # absurd
        good['django-pbkdf2-sha256'][:-6] + '!!!!=',                          # bad base64
        good['pbkdf2-sha256'][:-10],                                          # truncated
        '$pbkdf2-sha512$0$' + good['pbkdf2-sha512'].split('$', 3)[3],           # zero iterations
        good['aspnet-identity-v3'][:40],                                      # truncated
        'AQAAAAEAAAAAAAAAE' + good['aspnet-identity-v3'][17:],                # zero iterations
        good['aspnet-identity-v2'][:-4],
        good['firebase-scrypt'].replace('r=8,m=14', 'r=8,m=30'),              # 1 TiB
        good['firebase-scrypt'].rsplit('$', 1)[0],
        good['django-argon2'][:-8],
        good['django-bcrypt-sha256'][:-3],
    ]
    for i, h in enumerate(bad):
        try:
            conn.execute('SELECT auth_import_user(%s, %s)', ('bad%d@example.com' % i, h))
            tap(False, 'malformed variant %d is refused' % i)
        except psycopg.Error as e:
            tap(e.sqlstate == '22023' and h not in str(e) and (e.diag.message_detail or '').find(h) < 0,
                'malformed variant %d is refused with 22023, the hash not echoed' % i)
    tap(conn.execute('SELECT 1').fetchone()[0] == 1, 'the backend survives')

    # The importer on sample exports of each system (made here, no personal data).
    conn.execute("SELECT auth_create_product('Mig Shop')")
    conn.execute("SELECT auth_create_role('Mig Shop', 'user')")
    tmp = tempfile.mkdtemp()
    salt = os.urandom(16)
    kc_value = hashlib.pbkdf2_hmac('sha256', pw, salt, 27500, 64)
    realm = {'realm': 'demo', 'users': [
        {'username': 'kc1', 'email': 'kc1@example.com', 'firstName': 'Kay', 'lastName': 'Cee', 'enabled': True,
         'emailVerified': True, 'realmRoles': ['user', 'default-roles-demo'],
         'credentials': [{'type': 'password', 'secretData': json.dumps({'value': b64(kc_value), 'salt': b64(salt)}),
                          'credentialData': json.dumps({'hashIterations': 27500, 'algorithm': 'pbkdf2-sha256'})}]}]}
    json.dump(realm, open(tmp + '/realm.json', 'w'))
    json.dump([{'model': 'auth.user', 'pk': 1, 'fields': {
        'username': 'dj1', 'email': 'dj1@example.com', 'first_name': 'Dee', 'last_name': 'Jay', 'is_active': True,
        'is_superuser': False, 'password': make_password(password)}}], open(tmp + '/django.json', 'w'))
    import bcrypt
    bc = bcrypt.hashpw(pw, bcrypt.gensalt(10)).decode()
    with open(tmp + '/auth0.ndjson', 'w') as f:
        f.write(json.dumps({'email': 'a0@example.com', 'email_verified': True, 'name': 'Ay Zero',
                            'passwordHash': bc}) + '\n')
    with open(tmp + '/supabase.csv', 'w') as f:
        f.write('id,email,encrypted_password,email_confirmed_at,phone,raw_user_meta_data,banned_until\n')
        f.write('00000000-0000-0000-0000-000000000001,sb@example.com,%s,2024-01-01 00:00:00+00,,'
                '"{""full_name"": ""Es Bee""}",\n' % bc)
    env = dict(os.environ)
    for source, file, email in (('keycloak', 'realm.json', 'kc1@example.com'), ('django', 'django.json', 'dj1@example.com'),
                                ('auth0', 'auth0.ndjson', 'a0@example.com'), ('supabase', 'supabase.csv', 'sb@example.com')):
        args = [sys.executable, os.environ['ROOT'] + '/scripts/import', source, tmp + '/' + file]
        if source == 'keycloak':
            args += ['--product', 'Mig Shop']
        run = subprocess.run(args, env=env, capture_output=True, text=True)
        tap(run.returncode == 0 and '1 imported, 0 refused' in run.stdout and '1/1 users' in run.stderr,
            'scripts/import %s imports its sample export, with a progress line' % source)
        tap(conn.execute('SELECT auth_verify_password(%s, %s)', (email, password)).fetchone()[0] is not None,
            'the %s user logs in with its password' % source)
    tap(conn.execute("SELECT auth_has_role(auth_user_id('kc1@example.com'), 'Mig Shop', 'user')").fetchone()[0],
        "Keycloak's realm role became a role in the product")
print('1..%d' % n)
