-- Staff sessions kept on the server, so logging out, a password change or removing the
-- account ends them: the cookie carries only a random session id, this table its SHA-256.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at REAL NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Failed logins are counted per client address as well as per account.
ALTER TABLE login_failures ADD COLUMN address TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_address ON login_failures (address, at);

-- Addresses an account has logged in from: failures on the account from elsewhere do not
-- slow these down, so a stranger cannot lock staff out of their own desk.
CREATE TABLE known_addresses (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    last_login REAL NOT NULL,
    PRIMARY KEY (account_id, address)
) WITHOUT ROWID;
