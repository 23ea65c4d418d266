DROP TABLE IF EXISTS ledger_postings;
DROP TABLE IF EXISTS ledger_transactions;
DROP TABLE IF EXISTS ledger_balances;
DROP TABLE IF EXISTS ledger_accounts;
