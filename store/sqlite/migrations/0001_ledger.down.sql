DROP TABLE ledger_postings;
DROP TABLE ledger_transactions;
DROP TABLE ledger_balances;
DROP TABLE ledger_accounts;
