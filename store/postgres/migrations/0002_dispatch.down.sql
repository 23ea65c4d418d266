DROP TABLE dispatch_shares;
DROP TABLE dispatch_dispersals;
DROP TABLE dispatch_projections;
DROP INDEX dispatch_holdings_holder;
DROP TABLE dispatch_holdings;
DROP TABLE dispatch_loans;
