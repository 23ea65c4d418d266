DROP TABLE contract_challenges;
DROP TRIGGER contract_signatures_guard ON contract_signatures;
DROP TABLE contract_signatures;
DROP FUNCTION contract_signatures_guard();
DROP TRIGGER contract_versions_guard ON contract_versions;
DROP INDEX contract_versions_fingerprint;
DROP TABLE contract_versions;
DROP FUNCTION contract_versions_guard();
